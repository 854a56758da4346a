"""Start-up against the database's keyring canary: wrong or missing keys stop the server with a
clear error (in process, and `tradewind serve` exits non-zero), never a plain-text fallback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fixtures.apps import started_app
from fixtures.servers import clean_env, free_port, run
from fixtures.serving import DeviceKit
from pydantic import SecretStr

from tradewind.keys.errors import KeyringError
from tradewind.keys.local import encode_key
from tradewind.settings import Settings


async def test_first_start_creates_a_0600_key_file(key_file_kit: DeviceKit) -> None:
    key_file = key_file_kit.app.ctx.settings.resolved_key_file
    assert key_file == key_file_kit.app.ctx.settings.data_dir / "master.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file_kit.app.ctx.keyring.current_kek_id.startswith("local:")


async def test_another_key_or_a_missing_key_file_refuses_to_start(
    key_file_kit: DeviceKit, key_file_settings: Settings, tmp_path: Path
) -> None:
    wrong = key_file_settings.model_copy(
        update={"master_key": SecretStr(encode_key(os.urandom(32)))}
    )
    with pytest.raises(KeyringError, match="cannot open this database's secrets"):
        async with started_app(wrong):
            pass
    missing = key_file_settings.model_copy(update={"key_file": tmp_path / "gone.key"})
    with pytest.raises(KeyringError, match="is missing"):
        async with started_app(missing):
            pass
    assert not (tmp_path / "gone.key").exists()  # never a fresh key over existing secrets
    right = key_file_settings.model_copy(
        update={
            "data_dir": tmp_path / "elsewhere",
            "key_file": key_file_kit.app.ctx.settings.resolved_key_file,
        }
    )
    async with started_app(right):
        pass


async def test_a_database_outage_at_start_is_not_a_key_error(
    key_file_settings: Settings, tmp_path: Path
) -> None:
    """An unreachable database does not stop the process: it starts not ready."""
    down = key_file_settings.model_copy(
        update={
            "database_url": "postgresql://root@127.0.0.1:1/none",
            "database_connect_timeout_seconds": 0.5,
            "data_dir": tmp_path / "down",
        }
    )
    async with started_app(down) as application:
        assert (await application.ctx.readiness())["database"].startswith("unavailable")


@pytest.mark.once
def test_serve_exits_non_zero_with_a_wrong_or_missing_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    key = encode_key(os.urandom(32))
    env = clean_env(data_dir=str(data), port=str(free_port()), master_key=key)
    assert run(["db", "upgrade"], tmp_path, env).returncode == 0
    first = run(["keys", "check"], tmp_path, env)  # a new database: seals the canary
    assert first.returncode == 0, first.stdout + first.stderr
    assert not (data / "master.key").exists()  # the key came from the environment
    wrong = run(["serve"], tmp_path, dict(env, TRADEWIND_MASTER_KEY=encode_key(os.urandom(32))))
    assert wrong.returncode == 1
    assert "cannot open this database's secrets" in wrong.stdout + wrong.stderr
    missing = {k: v for k, v in env.items() if k != "TRADEWIND_MASTER_KEY"}
    refused = run(["serve"], tmp_path, missing)
    assert refused.returncode == 1
    assert "master.key is missing" in refused.stdout + refused.stderr
    assert not (data / "master.key").exists()
    assert run(["keys", "check"], tmp_path, env).returncode == 0
