"""The keyring: seals and opens stored secrets with envelope encryption.

`encrypt(plaintext, purpose)` makes a fresh 256-bit data key, encrypts with AES-256-GCM (the
purpose is the associated data) and stores the data key wrapped by the provider's current
key-encryption key; `decrypt` reverses it. Services receive the keyring as an argument.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Protocol

from tradewind.keys.sealing import Envelope, decrypt_body, encrypt_body, unpack

# Unwrapped data keys kept per process (KMS: saves a network call per snapshot rebuild).
DATA_KEY_CACHE_SIZE = 1024


class KekProvider(Protocol):
    """Where the key-encryption keys live (`local` or `aws-kms`)."""

    name: str
    blocking: bool  # True: calls do network I/O (run them in a thread)

    @property
    def source(self) -> str: ...
    @property
    def current_id(self) -> str: ...
    def open(self, create: bool) -> None: ...
    def is_open(self) -> bool: ...
    def known_ids(self) -> list[str]: ...
    def new_data_key(self) -> tuple[bytes, str, bytes]: ...
    def wrap(self, data_key: bytes) -> tuple[str, bytes]: ...
    def unwrap(self, kek_id: str, wrapped: bytes) -> bytes: ...


class Keyring:
    def __init__(self, provider: KekProvider) -> None:
        self.provider = provider
        self._data_keys: dict[bytes, bytes] = {}
        self._lock = threading.Lock()

    @property
    def provider_name(self) -> str:
        return self.provider.name

    @property
    def current_kek_id(self) -> str:
        self._ensure_open()
        return self.provider.current_id

    def open(self, create: bool = False) -> None:
        """Load the key-encryption key (creating a local key file only when `create`)."""
        with self._lock:
            self.provider.open(create)

    # --- async API (services) -------------------------------------------------------------
    async def encrypt(self, plaintext: bytes, purpose: str) -> bytes:
        if self.provider.blocking:
            return await asyncio.to_thread(self.seal, plaintext, purpose)
        return self.seal(plaintext, purpose)

    async def decrypt(self, sealed: bytes, purpose: str) -> bytes:
        if self.provider.blocking:
            return await asyncio.to_thread(self.unseal, sealed, purpose)
        return self.unseal(sealed, purpose)

    async def rewrap(self, sealed: bytes) -> bytes | None:
        """The same secret with its data key wrapped by the current KEK; None: already so."""
        if self.provider.blocking:
            return await asyncio.to_thread(self.rewrap_sync, sealed)
        return self.rewrap_sync(sealed)

    # --- sync API (start-up, CLI) ---------------------------------------------------------
    def seal(self, plaintext: bytes, purpose: str) -> bytes:
        self._ensure_open()
        data_key, kek_id, wrapped = self.provider.new_data_key()
        self._remember(wrapped, data_key)
        return Envelope(kek_id, wrapped, encrypt_body(data_key, plaintext, purpose)).pack()

    def unseal(self, sealed: bytes, purpose: str) -> bytes:
        envelope = unpack(sealed)
        return decrypt_body(self._data_key(envelope), envelope.body, purpose)

    def rewrap_sync(self, sealed: bytes) -> bytes | None:
        envelope = unpack(sealed)
        current = self.current_kek_id
        if envelope.kek_id == current:
            return None
        data_key = self._data_key(envelope)
        kek_id, wrapped = self.provider.wrap(data_key)
        return envelope.with_wrapped_key(kek_id, wrapped).pack()

    def kek_id_of(self, sealed: bytes) -> str:
        return unpack(sealed).kek_id

    def _data_key(self, envelope: Envelope) -> bytes:
        found = self._data_keys.get(envelope.wrapped_key)
        if found is not None:
            return found
        self._ensure_open()
        data_key = self.provider.unwrap(envelope.kek_id, envelope.wrapped_key)
        self._remember(envelope.wrapped_key, data_key)
        return data_key

    def _remember(self, wrapped: bytes, data_key: bytes) -> None:
        if not self.provider.blocking:
            return  # a local unwrap costs less than the cache
        if len(self._data_keys) >= DATA_KEY_CACHE_SIZE:
            self._data_keys.clear()
        self._data_keys[wrapped] = data_key

    def _ensure_open(self) -> None:
        if not self.provider.is_open():
            with self._lock:
                if not self.provider.is_open():
                    self.provider.open(False)
