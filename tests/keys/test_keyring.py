"""The keyring on the local provider: sealing, purpose binding, tampering, wrong and missing
keys, key files, rotation across processes, and `enc:` settings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from tradewind.keys.errors import KeyringError, SecretUnreadable
from tradewind.keys.keyring import Keyring
from tradewind.keys.local import LocalKeks, encode_key
from tradewind.keys.sealing import unpack
from tradewind.keys.setup import encrypt_setting, keyring_for, reveal_settings
from tradewind.settings import OIDCProviderSettings, Settings

pytestmark = pytest.mark.once


def file_keyring(path: Path, create: bool = True) -> Keyring:
    keyring = Keyring(LocalKeks(env_keys=None, key_file=path))
    keyring.open(create=create)
    return keyring


def env_keyring(*keys: bytes) -> Keyring:
    return Keyring(LocalKeks(env_keys=",".join(encode_key(k) for k in keys), key_file=Path("/x")))


async def test_round_trip_and_a_fresh_data_key_per_secret(tmp_path: Path) -> None:
    keyring = file_keyring(tmp_path / "master.key")
    one = await keyring.encrypt(b"s3cret value", "webhook")
    two = await keyring.encrypt(b"s3cret value", "webhook")
    assert b"s3cret" not in one
    assert unpack(one).wrapped_key != unpack(two).wrapped_key
    assert await keyring.decrypt(one, "webhook") == b"s3cret value"
    assert await keyring.decrypt(two, "webhook") == b"s3cret value"


async def test_purpose_is_bound(tmp_path: Path) -> None:
    keyring = file_keyring(tmp_path / "master.key")
    sealed = await keyring.encrypt(b"value", "signing-key:1:main")
    with pytest.raises(SecretUnreadable):
        await keyring.decrypt(sealed, "signing-key:2:main")


@pytest.mark.parametrize("where", ["body", "tag", "wrapped key", "truncated", "magic", "empty"])
async def test_tampered_ciphertext_is_refused(tmp_path: Path, where: str) -> None:
    keyring = file_keyring(tmp_path / "master.key")
    sealed = bytearray(await keyring.encrypt(b"value", "p"))
    header = len(sealed) - len(unpack(bytes(sealed)).body)
    if where == "body":
        sealed[header + 13] ^= 1
    elif where == "tag":
        sealed[-1] ^= 0x80
    elif where == "wrapped key":
        sealed[header - 3] ^= 1
    elif where == "truncated":
        del sealed[-20:]
    elif where == "magic":
        sealed[0] = ord("X")
    else:
        sealed = bytearray()
    with pytest.raises(SecretUnreadable):
        await keyring.decrypt(bytes(sealed), "p")


def test_key_file_is_created_0600_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "master.key"
    with pytest.raises(KeyringError, match="is missing"):
        file_keyring(path, create=False)
    assert not path.exists()
    file_keyring(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert len([line for line in text.splitlines() if not line.startswith("#")]) == 1


async def test_a_wrong_key_cannot_open(tmp_path: Path) -> None:
    sealed = await file_keyring(tmp_path / "a.key").encrypt(b"value", "p")
    with pytest.raises(KeyringError, match="does not hold"):
        await file_keyring(tmp_path / "b.key").decrypt(sealed, "p")


async def test_env_keys_first_encrypts_others_decrypt() -> None:
    old, new = os.urandom(32), os.urandom(32)
    sealed_old = await env_keyring(old).encrypt(b"v", "p")
    both = env_keyring(new, old)
    assert await both.decrypt(sealed_old, "p") == b"v"
    rewrapped = await both.rewrap(sealed_old)
    assert rewrapped is not None
    assert await env_keyring(new).decrypt(rewrapped, "p") == b"v"
    assert await both.rewrap(rewrapped) is None


@pytest.mark.parametrize("value", ["not base64 !!", encode_key(b"short"), ""])
def test_bad_env_keys_are_a_clear_error(value: str) -> None:
    keyring = Keyring(LocalKeks(env_keys=value or " ", key_file=Path("/x")))
    with pytest.raises(KeyringError, match="TRADEWIND_MASTER_KEY"):
        keyring.open()


async def test_rotation_in_one_process_is_seen_by_another(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    running = file_keyring(path)  # a server process, started before the rotation
    sealed = await running.encrypt(b"v", "p")
    rotating = file_keyring(path, create=False)  # `tradewind keys rotate`
    old = rotating.current_kek_id
    assert isinstance(rotating.provider, LocalKeks)
    new = rotating.provider.add_key()
    assert new != old
    rewrapped = await rotating.rewrap(sealed)
    assert rewrapped is not None and unpack(rewrapped).kek_id == new
    # The running process re-reads the key file when it meets the new key id.
    assert await running.decrypt(rewrapped, "p") == b"v"
    assert rotating.provider.retire(keep={new}) == [old]
    assert await file_keyring(path, create=False).decrypt(rewrapped, "p") == b"v"
    with pytest.raises(KeyringError):
        await file_keyring(path, create=False).decrypt(sealed, "p")


def test_encrypted_settings_are_revealed(tmp_path: Path) -> None:
    key = encode_key(os.urandom(32))
    base = Settings(data_dir=tmp_path, master_key=key, _env_file=None)  # type: ignore[call-arg]
    keyring = keyring_for(base)
    settings = Settings(
        data_dir=tmp_path,
        master_key=key,
        secret_key=encrypt_setting(keyring, "the-server-secret"),
        s3_secret_access_key="plain-one",
        oidc_providers=[
            OIDCProviderSettings(
                name="kc",
                issuer="https://id.example",
                client_id="tw",
                client_secret=SecretStr(encrypt_setting(keyring, "oidc-secret")),
            )
        ],
        _env_file=None,  # type: ignore[call-arg]
    )
    revealed = reveal_settings(settings, keyring_for(settings))
    assert revealed.secret_key is not None
    assert revealed.secret_key.get_secret_value() == "the-server-secret"
    assert revealed.s3_secret_access_key is not None
    assert revealed.s3_secret_access_key.get_secret_value() == "plain-one"
    secret = revealed.oidc_providers[0].client_secret
    assert secret is not None and secret.get_secret_value() == "oidc-secret"


def test_an_encrypted_setting_under_another_key_is_a_clear_error(tmp_path: Path) -> None:
    other = keyring_for(
        Settings(master_key=encode_key(os.urandom(32)), _env_file=None)  # type: ignore[call-arg]
    )
    settings = Settings(
        data_dir=tmp_path,
        master_key=encode_key(os.urandom(32)),
        admin_password=encrypt_setting(other, "pw"),
        _env_file=None,  # type: ignore[call-arg]
    )
    with pytest.raises(KeyringError, match="ADMIN_PASSWORD"):
        reveal_settings(settings, keyring_for(settings))
    garbled = settings.model_copy(update={"admin_password": SecretStr("enc:@@@")})
    with pytest.raises(KeyringError, match="ADMIN_PASSWORD"):
        reveal_settings(garbled, keyring_for(settings))
