"""Password hashing (argon2id) and opaque bearer tokens stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

SESSION_PREFIX = "tws_"
API_TOKEN_PREFIX = "twt_"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so both paths cost the same time.
    Made on first use: hashing at import would slow every process start."""
    return _hasher.hash("tradewind-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str) -> tuple[str, str]:
    """A fresh random token and the hash to store; the token itself is shown once."""
    token = prefix + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough (no guessing to slow down).
    return hashlib.sha256(token.encode()).hexdigest()
