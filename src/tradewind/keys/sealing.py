"""The byte format of a sealed secret (envelope encryption with AES-256-GCM).

    b"TWK1" | u8 len(kek_id) | kek_id | u16 len(wrapped) | wrapped data key | nonce(12) | ct+tag

Each secret has its own 256-bit data key; only the wrapped data key depends on the
key-encryption key (KEK), so rotation replaces the header and leaves the ciphertext alone. The
purpose is the AES-GCM associated data: a value sealed for one use does not open as another.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tradewind.keys.errors import SecretUnreadable

MAGIC = b"TWK1"
NONCE_SIZE = 12
DATA_KEY_SIZE = 32


@dataclass(frozen=True, slots=True)
class Envelope:
    kek_id: str
    wrapped_key: bytes
    body: bytes  # nonce + ciphertext + tag

    def pack(self) -> bytes:
        kek = self.kek_id.encode("ascii")
        return b"".join(
            [
                MAGIC,
                struct.pack(">B", len(kek)),
                kek,
                struct.pack(">H", len(self.wrapped_key)),
                self.wrapped_key,
                self.body,
            ]
        )

    def with_wrapped_key(self, kek_id: str, wrapped_key: bytes) -> Envelope:
        return Envelope(kek_id, wrapped_key, self.body)


def unpack(sealed: bytes) -> Envelope:
    """Split a sealed value; anything malformed is SecretUnreadable (never an IndexError)."""
    try:
        if sealed[:4] != MAGIC:
            raise ValueError("not a sealed secret")
        kek_len = sealed[4]
        kek_end = 5 + kek_len
        kek_id = sealed[5:kek_end].decode("ascii")
        (wrapped_len,) = struct.unpack(">H", sealed[kek_end : kek_end + 2])
        wrapped_end = kek_end + 2 + wrapped_len
        wrapped = sealed[kek_end + 2 : wrapped_end]
        body = sealed[wrapped_end:]
        if len(wrapped) != wrapped_len or len(body) < NONCE_SIZE + 16:
            raise ValueError("truncated")
    except (IndexError, ValueError, struct.error) as exc:
        raise SecretUnreadable(f"a stored secret is malformed: {exc}") from exc
    return Envelope(kek_id, wrapped, body)


def _aad(purpose: str) -> bytes:
    return b"tradewind-secret:" + purpose.encode("utf-8")


def encrypt_body(data_key: bytes, plaintext: bytes, purpose: str) -> bytes:
    nonce = os.urandom(NONCE_SIZE)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext, _aad(purpose))


def decrypt_body(data_key: bytes, body: bytes, purpose: str) -> bytes:
    try:
        return AESGCM(data_key).decrypt(body[:NONCE_SIZE], body[NONCE_SIZE:], _aad(purpose))
    except InvalidTag as exc:
        raise SecretUnreadable(
            f"a stored secret (purpose {purpose!r}) failed authentication: "
            "tampered, or sealed for another purpose"
        ) from exc


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=DATA_KEY_SIZE * 8)
