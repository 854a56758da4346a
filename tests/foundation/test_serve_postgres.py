"""Two `tradewind serve --workers 2` processes started at once against one empty PostgreSQL
database: migrations and the first administrator happen exactly once.

Runs only when TRADEWIND_TEST_DATABASE_URL is set (it names the server; a fresh database is
created next to the given one and dropped afterwards)."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.servers import CREATED, SHOWN_ONCE, Server, clean_env, head_revision, login, run
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from tradewind.db import Database
from tradewind.models import User
from tradewind.settings import Settings

BASE_URL = os.environ.get("TRADEWIND_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not BASE_URL, reason="TRADEWIND_TEST_DATABASE_URL is not set")


async def _admin(statement: str) -> None:
    db = Database(Settings(database_url=BASE_URL, _env_file=None).resolved_database_url)  # type: ignore[call-arg]
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(statement))
    await db.dispose()


async def _count_users(url: str) -> int:
    db = Database(Settings(database_url=url, _env_file=None).resolved_database_url)  # type: ignore[call-arg]
    async with db.unit_of_work() as session:
        count = await session.scalar(select(func.count()).select_from(User))
    await db.dispose()
    return int(count or 0)


@pytest.fixture
def empty_database() -> Iterator[str]:
    name = f"tw_serve_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_parallel_start_on_empty_database(
    tmp_path: Path, empty_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env = clean_env(
        database_url=empty_database,
        secret_key=secrets.token_urlsafe(32),
        data_dir=str(tmp_path / "data"),
    )
    servers = [Server(tmp_path, env, "--workers", "2") for _ in range(2)]
    try:
        ready = [server.wait_ready(timeout=120) for server in servers]
        with capsys.disabled():
            seconds = " / ".join(f"{r:.2f} s" for r in ready)
            print(f"\n[startup] PostgreSQL, 2 servers x 2 workers in parallel: ready {seconds}")
        outputs = [server.output for server in servers]
        assert sum(CREATED in output for output in outputs) == 1, outputs
        assert asyncio.run(_count_users(empty_database)) == 1
        password = next(m.group(1) for o in outputs if (m := SHOWN_ONCE.search(o)))
        for server in servers:  # both serve the same database
            r = login(server.url, "admin@localhost.localdomain", password)
            assert r.status_code == 200, r.text
        assert [server.terminate() for server in servers] == [0, 0]
    finally:
        for server in servers:
            server.__exit__(None, None, None)

    assert run(["db", "current"], tmp_path, env).stdout.strip() == head_revision()
    upgraded = run(["db", "upgrade"], tmp_path, env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert re.fullmatch(rf"database at revision {head_revision()}\s*", upgraded.stdout)
    created = run(
        ["user", "create", "ci@example.com", "--password-stdin"],
        tmp_path,
        env,
        stdin="a-long-passphrase\n",
    )
    assert created.returncode == 0, created.stderr
    assert asyncio.run(_count_users(empty_database)) == 2
