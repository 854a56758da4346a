"""Signing keys per application: create, import, default, disable, and load for signing.

A default is kept per algorithm: the Airborne path signs with the default `es256` key, the Expo
path with the default `rsa-v1_5-sha256` key. Every change bumps the application's revision so
the device snapshots are rebuilt (and re-signed) within a poll.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.db import save, save_rows
from tradewind.errors import Conflict, NotFound, ValidationFailed
from tradewind.keys import repository as repo
from tradewind.keys import signing
from tradewind.keys.keyring import Keyring
from tradewind.keys.loading import private_purpose
from tradewind.keys.signing import ALGORITHMS, PrivateKey
from tradewind.models.keys import SigningKey
from tradewind.releases.repository import bump_revision

KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DEFAULT_CERTIFICATE_DAYS = 3650


@dataclass(frozen=True, slots=True)
class NewSigningKey:
    """What to create: a generated key (no `private_pem`) or an imported one."""

    algorithm: str | None = None  # required when generating; checked against an import
    key_id: str | None = None  # None: generated, e.g. "es256-1f2e3d4c"
    private_pem: str | None = None
    make_default: bool | None = None  # None: default when no enabled default exists
    common_name: str = ""  # subject of an RSA key's certificate; "" means the key id
    certificate_days: int = DEFAULT_CERTIFICATE_DAYS


def check_key_id(key_id: str) -> str:
    if not KEY_ID.fullmatch(key_id):
        raise ValidationFailed(
            "a key id is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            code="invalid_key_id",
        )
    return key_id


def _material(spec: NewSigningKey) -> tuple[str, PrivateKey]:
    if spec.private_pem is None:
        if spec.algorithm not in ALGORITHMS:
            raise ValidationFailed(
                f"algorithm must be one of {', '.join(ALGORITHMS)}", code="unknown_algorithm"
            )
        return spec.algorithm, signing.generate(spec.algorithm)
    key = signing.load_private_pem(spec.private_pem)
    algorithm = signing.algorithm_of(key)
    if spec.algorithm is not None and spec.algorithm != algorithm:
        raise ValidationFailed(
            f"the imported key is a {algorithm} key, not {spec.algorithm}",
            code="algorithm_mismatch",
        )
    return algorithm, key


async def create_signing_key(
    session: AsyncSession, keyring: Keyring, app_id: int, spec: NewSigningKey
) -> SigningKey:
    """Generate or import a signing key for an application; its private key is sealed."""
    algorithm, private_key = _material(spec)
    key_id = check_key_id(spec.key_id or f"{algorithm.split('-')[0]}-{secrets.token_hex(4)}")
    if await repo.signing_key(session, app_id, key_id) is not None:
        raise Conflict(f"the application already has a key {key_id!r}", code="key_id_taken")
    public = private_key.public_key()
    certificate = None
    if algorithm == signing.RSA_SHA256:
        assert isinstance(private_key, RSAPrivateKey)
        certificate = signing.self_signed_certificate(
            private_key, spec.common_name or key_id, spec.certificate_days
        )
    sealed = await keyring.encrypt(
        signing.private_der(private_key), private_purpose(app_id, key_id)
    )
    make_default = spec.make_default
    if make_default is None:
        make_default = await _default_of(session, app_id, algorithm) is None
    if make_default:
        await _clear_default(session, app_id, algorithm)
    row = SigningKey(
        app_id=app_id,
        key_id=key_id,
        algorithm=algorithm,
        public_pem=signing.public_pem(public),
        certificate_pem=certificate,
        private_sealed=sealed,
        fingerprint=signing.fingerprint(public),
        is_default=make_default,
        disabled=False,
        imported=spec.private_pem is not None,
    )
    await save_rows(session, row)
    await bump_revision(session, app_id)
    return row


async def list_signing_keys(session: AsyncSession, app_id: int) -> list[SigningKey]:
    return await repo.signing_keys(session, app_id)


async def get_signing_key(session: AsyncSession, app_id: int, key_id: str) -> SigningKey:
    row = await repo.signing_key(session, app_id, key_id)
    if row is None:
        raise NotFound(f"no signing key {key_id!r}", code="signing_key_not_found")
    return row


async def make_default(session: AsyncSession, app_id: int, key_id: str) -> SigningKey:
    row = await get_signing_key(session, app_id, key_id)
    if row.disabled:
        raise Conflict("a disabled key cannot be the default", code="signing_key_disabled")
    if not row.is_default:
        await _clear_default(session, app_id, row.algorithm)
        row.is_default = True
        await save(session)
        await bump_revision(session, app_id)
    return row


async def set_disabled(
    session: AsyncSession, app_id: int, key_id: str, disabled: bool
) -> SigningKey:
    """Disable (devices naming it get 400; a disabled default stops being the default) or
    enable a key again (it becomes the default when its algorithm has none)."""
    row = await get_signing_key(session, app_id, key_id)
    if row.disabled == disabled:
        return row
    row.disabled = disabled
    if disabled:
        row.is_default = False
    elif await _default_of(session, app_id, row.algorithm) is None:
        row.is_default = True
    await save(session)
    await bump_revision(session, app_id)
    return row


async def _default_of(session: AsyncSession, app_id: int, algorithm: str) -> SigningKey | None:
    for row in await repo.signing_keys(session, app_id):
        if row.algorithm == algorithm and row.is_default and not row.disabled:
            return row
    return None


async def _clear_default(session: AsyncSession, app_id: int, algorithm: str) -> None:
    for row in await repo.signing_keys(session, app_id):
        if row.algorithm == algorithm and row.is_default:
            row.is_default = False
    await save(session)
