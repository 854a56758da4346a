"""Wiring of the keyring into the process: provider from settings, `enc:` settings, start-up
check against the database's canary."""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from tradewind.db import Database
from tradewind.errors import DatabaseUnavailable
from tradewind.keys import repository as repo
from tradewind.keys.errors import KeyringError
from tradewind.keys.keyring import KekProvider, Keyring
from tradewind.keys.kms import KmsKeks
from tradewind.keys.local import LocalKeks
from tradewind.settings import Settings

if TYPE_CHECKING:
    from tradewind.context import AppContext

log = logging.getLogger("tradewind.keys")
ENCRYPTED_PREFIX = "enc:"
SETTING_PURPOSE = "setting"
CANARY_PURPOSE = "keyring-canary"
CANARY = b"tradewind keyring canary"
# Settings that configure the keyring itself cannot be given encrypted.
NOT_ENCRYPTABLE = frozenset({"master_key", "kms_secret_access_key"})


def keyring_for(settings: Settings) -> Keyring:
    """The keyring of these settings; nothing is read or contacted until it is first used."""
    provider: KekProvider
    if settings.key_provider == "aws-kms":
        secret = settings.kms_secret_access_key
        provider = KmsKeks(
            settings.kms_key_id,
            region=settings.kms_region,
            endpoint_url=settings.kms_endpoint_url,
            access_key_id=settings.kms_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
        )
    else:
        master = settings.master_key.get_secret_value() if settings.master_key else ""
        provider = LocalKeks(env_keys=master or None, key_file=settings.resolved_key_file)
    return Keyring(provider)


def encrypt_setting(keyring: Keyring, value: str) -> str:
    """The `enc:` form of a secret setting (what `tradewind keys encrypt-setting` prints)."""
    sealed = keyring.seal(value.encode("utf-8"), SETTING_PURPOSE)
    return ENCRYPTED_PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")


def decrypt_setting(keyring: Keyring, name: str, value: str) -> str:
    text = value[len(ENCRYPTED_PREFIX) :]
    try:
        sealed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return keyring.unseal(sealed, SETTING_PURPOSE).decode("utf-8")
    except (binascii.Error, ValueError, KeyringError) as exc:  # SecretUnreadable included
        raise KeyringError(f"the encrypted setting {name} cannot be decrypted: {exc}") from exc


def _revealed(keyring: Keyring, name: str, value: Any) -> Any:
    if isinstance(value, SecretStr):
        text = value.get_secret_value()
        if text.startswith(ENCRYPTED_PREFIX):
            return SecretStr(decrypt_setting(keyring, name, text))
    return value


def reveal_settings(settings: Settings, keyring: Keyring) -> Settings:
    """Settings with every `enc:` secret decrypted (the others unchanged)."""
    updates: dict[str, Any] = {}
    for name in type(settings).model_fields:
        if name in NOT_ENCRYPTABLE:
            continue
        value = getattr(settings, name)
        revealed = _revealed(keyring, name.upper(), value)
        if revealed is not value:
            updates[name] = revealed
    providers = [
        p.model_copy(update={"client_secret": secret})
        if (secret := _revealed(keyring, f"OIDC {p.name} client_secret", p.client_secret))
        is not p.client_secret
        else p
        for p in settings.oidc_providers
    ]
    if any(a is not b for a, b in zip(providers, settings.oidc_providers, strict=True)):
        updates["oidc_providers"] = providers
    return settings.model_copy(update=updates) if updates else settings


async def check_keyring(keyring: Keyring, db: Database) -> None:
    """Start-up: the first start seals a canary; later starts must open it, else refuse."""
    async with db.unit_of_work() as session:
        canary = await repo.canary(session)
        if canary is None:
            await asyncio.to_thread(keyring.open, True)
            await repo.add_canary(session, await keyring.encrypt(CANARY, CANARY_PURPOSE))
            return
    await asyncio.to_thread(keyring.open, False)
    try:
        opened = await keyring.decrypt(canary, CANARY_PURPOSE)
    except KeyringError as exc:  # a wrong key, a tampered canary, or KMS refusing
        raise KeyringError(
            f"the key-encryption key from {keyring.provider.source} cannot open this "
            f"database's secrets: {exc.message}"
        ) from exc
    if opened != CANARY:
        raise KeyringError("the keyring canary holds an unexpected value")


async def verify_keyring(ctx: AppContext) -> None:
    """Start-up hook: a wrong or missing key stops the process. A database that cannot be
    reached right now does not (`tradewind serve` checked before starting its workers): the
    process starts not ready, like the snapshot load, and secrets are opened when needed."""
    try:
        await check_keyring(ctx.keyring, ctx.db)
    except DatabaseUnavailable as exc:
        log.warning("keyring not checked at start-up, the database is unavailable: %s", exc)
