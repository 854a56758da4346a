"""The `local` key-encryption key provider: keys from the environment or a 0600 key file.

A key file holds one base64 key per line, the first one current; the others only open secrets
that are still wrapped by them (rotation adds a key at the top, `tradewind keys retire` drops
the unused ones). A process that meets a key id it does not know re-reads the file once, so a
rotation made by another process is picked up without a restart.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tradewind.keys.errors import KeyringError, SecretUnreadable
from tradewind.keys.sealing import NONCE_SIZE, new_data_key

log = logging.getLogger("tradewind.keys")
KEY_SIZE = 32


def kek_id_of(key: bytes) -> str:
    return "local:" + hashlib.sha256(b"tradewind-kek-id:" + key).hexdigest()[:16]


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def parse_keys(text: str, origin: str) -> list[bytes]:
    """Base64 keys separated by commas or newlines (`#` starts a comment line)."""
    keys = []
    lines = [line for line in text.splitlines() if not line.strip().startswith("#")]
    for raw in ",".join(lines).split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            key = base64.b64decode(item + "=" * (-len(item) % 4), altchars=b"-_", validate=False)
        except (binascii.Error, ValueError) as exc:
            raise KeyringError(f"{origin}: a key is not valid base64") from exc
        if len(key) != KEY_SIZE:
            raise KeyringError(f"{origin}: a key must be 32 bytes (base64), got {len(key)}")
        keys.append(key)
    if not keys:
        raise KeyringError(f"{origin}: no key found")
    return keys


class LocalKeks:
    """Key-encryption keys held by this process (AES-256-GCM key wrap)."""

    name = "local"
    blocking = False

    def __init__(self, *, env_keys: str | None, key_file: Path) -> None:
        self.env_keys = env_keys
        self.key_file = key_file
        self._keys: dict[str, bytes] = {}
        self._current = ""
        self._loaded_mtime = 0

    @property
    def source(self) -> str:
        return "TRADEWIND_MASTER_KEY" if self.env_keys else str(self.key_file)

    def open(self, create: bool) -> None:
        if self.env_keys:
            self._load(parse_keys(self.env_keys, "TRADEWIND_MASTER_KEY"))
            return
        if not self.key_file.exists():
            if not create:
                raise KeyringError(
                    f"the key file {self.key_file} is missing: restore it (or set "
                    "TRADEWIND_MASTER_KEY); without it stored secrets cannot be read"
                )
            self._create_file()
        self._load(self._read_file())

    def is_open(self) -> bool:
        return bool(self._current)

    @property
    def current_id(self) -> str:
        return self._current

    def known_ids(self) -> list[str]:
        return list(self._keys)

    def new_data_key(self) -> tuple[bytes, str, bytes]:
        self._follow_rotation()
        data_key = new_data_key()
        kek_id, wrapped = self.wrap(data_key)
        return data_key, kek_id, wrapped

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(NONCE_SIZE)
        kek = self._keys[self._current]
        return self._current, nonce + AESGCM(kek).encrypt(nonce, data_key, self._aad())

    def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        kek = self._keys.get(kek_id)
        if kek is None and not self.env_keys:
            self._load(self._read_file())  # rotated by another process meanwhile?
            kek = self._keys.get(kek_id)
        if kek is None:
            raise KeyringError(
                f"a stored secret is wrapped by key-encryption key {kek_id}, which "
                f"{self.source} does not hold (wrong key, or a retired one)"
            )
        try:
            return AESGCM(kek).decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], self._aad())
        except InvalidTag as exc:
            raise SecretUnreadable("a stored secret's wrapped data key was tampered with") from exc

    def add_key(self) -> str:
        """Rotation: a new current key at the top of the key file; the old ones stay."""
        if self.env_keys:
            raise KeyringError(
                "keys come from TRADEWIND_MASTER_KEY: generate one with `tradewind keys "
                "generate`, put it first in TRADEWIND_MASTER_KEY (comma-separated) and run "
                "`tradewind keys rotate` again"
            )
        keys = [os.urandom(KEY_SIZE), *self._read_file()]
        self._write_file(keys)
        self._load(keys)
        return self._current

    def retire(self, keep: set[str]) -> list[str]:
        """Drop the keys (other than the current one) that no stored secret uses any more."""
        if self.env_keys:
            raise KeyringError("keys come from TRADEWIND_MASTER_KEY: remove old ones there")
        keys = self._read_file()
        kept = [k for i, k in enumerate(keys) if i == 0 or kek_id_of(k) in keep]
        dropped = [kek_id_of(k) for k in keys if k not in kept]
        if dropped:
            self._write_file(kept)
            self._load(kept)
        return dropped

    def _follow_rotation(self) -> None:
        """Seal with the newest key: re-read the key file when it changed since loaded (a
        rotation by `tradewind keys rotate` in another process)."""
        if self.env_keys:
            return
        try:
            changed = self.key_file.stat().st_mtime_ns != self._loaded_mtime
        except OSError:
            return  # keep the keys in memory; reading secrets still works
        if changed:
            self._load(self._read_file())

    def _aad(self) -> bytes:
        return b"tradewind-data-key"

    def _load(self, keys: list[bytes]) -> None:
        self._keys = {kek_id_of(k): k for k in keys}
        self._current = kek_id_of(keys[0])

    def _read_file(self) -> list[bytes]:
        try:
            status = self.key_file.stat()
            mode = status.st_mode
            text = self.key_file.read_text()
            self._loaded_mtime = status.st_mtime_ns
        except OSError as exc:
            raise KeyringError(f"cannot read the key file {self.key_file}: {exc}") from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("key file %s is readable by others: chmod 600 it", self.key_file)
        return parse_keys(text, str(self.key_file))

    def _create_file(self) -> None:
        self.key_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return  # another process created it first: use theirs
        with os.fdopen(fd, "w") as handle:
            handle.write(_file_text([os.urandom(KEY_SIZE)]))
        log.info("created key file %s", self.key_file)

    def _write_file(self, keys: list[bytes]) -> None:
        temporary = self.key_file.with_name(self.key_file.name + ".new")
        temporary.unlink(missing_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(_file_text(keys))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.key_file)


def _file_text(keys: list[bytes]) -> str:
    header = (
        "# Tradewind key-encryption keys: the first encrypts, the others still decrypt.\n"
        "# Back this file up apart from the database; without it stored secrets are lost.\n"
    )
    return header + "".join(encode_key(k) + "\n" for k in keys)
