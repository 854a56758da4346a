"""Deployment keys: random, looked up by SHA-256, stored sealed so members can read them.

Sealing uses the server's keyring (envelope encryption, see docs/security.md), bound to the
application and the key's hash; the device path never needs the key itself, only its hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from tradewind.keys.errors import SecretUnreadable
from tradewind.keys.keyring import Keyring

# 40 characters of [A-Za-z0-9_-]: inside the 10..100 characters devices' keys are checked for.
KEY_BYTES = 30
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{10,100}")


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def well_formed(key: str) -> bool:
    """What the reference server accepts as a key (else 400 before any lookup)."""
    return KEY_PATTERN.fullmatch(key) is not None


def _purpose(app_id: int, hashed: str) -> str:
    """Binds a sealed key to its application and hash: moved to another row, it does not open."""
    return f"codepush-deployment-key:{app_id}:{hashed}"


async def seal(keyring: Keyring, app_id: int, key: str) -> bytes:
    return await keyring.encrypt(key.encode("utf-8"), _purpose(app_id, key_hash(key)))


async def unseal(keyring: Keyring, app_id: int, hashed: str, sealed: bytes) -> str | None:
    """The key, or None when it cannot be opened (sealed under a key-encryption key the
    keyring no longer holds): rotate the deployment key then."""
    try:
        plain = await keyring.decrypt(sealed, _purpose(app_id, hashed))
    except SecretUnreadable:
        return None
    return plain.decode("utf-8")
