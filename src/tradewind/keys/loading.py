"""Signing keys opened for the snapshot builders of every device protocol (the read side:
no rules, no writes). Private keys are decrypted with the keyring once per snapshot build."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.keys import repository as repo
from tradewind.keys import signing
from tradewind.keys.keyring import Keyring
from tradewind.keys.signing import LoadedSigningKey


def private_purpose(app_id: int, key_id: str) -> str:
    """Binds a sealed private key to its row: swapped between rows, it does not open."""
    return f"{signing.PRIVATE_PURPOSE}:{app_id}:{key_id}"


async def loaded_signing_keys(
    session: AsyncSession, keyring: Keyring, app_id: int
) -> list[LoadedSigningKey]:
    """The application's enabled signing keys with their private keys decrypted (for
    snapshot builders: sign once per prebuilt answer, never per request)."""
    loaded = []
    for row in await repo.signing_keys(session, app_id):
        if row.disabled:
            continue
        der = await keyring.decrypt(row.private_sealed, private_purpose(app_id, row.key_id))
        loaded.append(
            LoadedSigningKey(
                key_id=row.key_id,
                algorithm=row.algorithm,
                is_default=row.is_default,
                public_pem=row.public_pem,
                certificate_pem=row.certificate_pem,
                private_key=signing.load_private_der(der),
            )
        )
    return loaded
