"""A stopped or frozen database answers 503 `database_unavailable` quickly, logged once per
state change (findings 2 and 3). Uses a private PostgreSQL server, never the shared one."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest
from fixtures.faults import PrivatePostgres, app_client, running_app, signed_in_user

from tradewind.app import TradewindApp
from tradewind.settings import Settings

HANG_GUARD_SECONDS = 30  # a hang fails the test instead of blocking the suite


def _unavailable(r: object) -> None:
    assert r.status_code == 503, r.text  # type: ignore[attr-defined]
    assert r.json()["error"]["code"] == "database_unavailable"  # type: ignore[attr-defined]
    assert int(r.headers["retry-after"]) > 0  # type: ignore[attr-defined]


def _problems(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.name == "tradewind.errors"]


def _state_changes(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tradewind.database"]


async def _store_blob(app: TradewindApp, tmp: Path) -> str:
    key = "apps/1/sha256/" + "ab" * 32
    source = tmp / "blob"
    source.write_bytes(b"console.log(1)")
    await app.ctx.blob_store.put_file(key, source, "text/javascript")
    return key


async def test_stopped_database_answers_503_and_logs_once(
    pg_app: TradewindApp,
    private_postgres: PrivatePostgres,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    headers = await signed_in_user(pg_app)
    key = await _store_blob(pg_app, tmp_path)
    async with app_client(pg_app) as client:
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        private_postgres.stop()
        caplog.clear()
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            for _ in range(5):
                _unavailable(await client.get("/api/v1/me", headers=headers))
                _unavailable(await client.get("/api/v1/orgs", headers=headers))
            _unavailable(await client.get(f"/assets/{key}"))
            ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert _problems(caplog) == []
        assert len(_state_changes(caplog)) == 1, _state_changes(caplog)
        private_postgres.start()
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        assert "available again" in _state_changes(caplog)[-1]


async def test_frozen_database_is_bounded(
    pg_app: TradewindApp, private_postgres: PrivatePostgres, caplog: pytest.LogCaptureFixture
) -> None:
    headers = await signed_in_user(pg_app)
    async with app_client(pg_app) as client:
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        private_postgres.freeze()
        try:
            async with asyncio.timeout(HANG_GUARD_SECONDS):
                ready = await client.get("/health/ready")
                # Answered by the readiness deadline, not by the (longer) database timeouts.
                assert ready.json()["checks"]["database"] == "unavailable: no answer"
                _unavailable(await client.get("/api/v1/me", headers=headers))
                _unavailable(await client.post("/api/v1/orgs", headers=headers, json={}))
        finally:
            private_postgres.thaw()
        assert _problems(caplog) == []
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200


async def test_locked_sqlite_answers_503(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    """SQLite's frozen database: another process holds the write lock past the busy timeout."""
    settings = Settings(
        data_dir=data_dir,
        database_url="",
        database_busy_timeout_seconds=0.5,
        _env_file=None,  # type: ignore[call-arg]
    )
    async with running_app(settings) as app, app_client(app) as client:
        headers = await signed_in_user(app)
        holder = sqlite3.connect(data_dir / "tradewind.db", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            async with asyncio.timeout(HANG_GUARD_SECONDS):
                r = await client.post(
                    "/api/v1/orgs", headers=headers, json={"name": "acme", "display_name": "A"}
                )
            _unavailable(r)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert _problems(caplog) == []
        r = await client.post(
            "/api/v1/orgs", headers=headers, json={"name": "acme", "display_name": "A"}
        )
        assert r.status_code == 201, r.text
