"""Migration 0007 goes up and down (and up again) on the test database's kind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic import command
from fixtures.migrations import alembic_config
from sqlalchemy import Connection, inspect

from tradewind.db import Database, upgrade_database

TABLES = {"codepush_deployments", "codepush_releases", "codepush_diffs"}


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _down(connection: Connection) -> None:
    command.downgrade(alembic_config(connection), "0005")


@pytest.mark.skipif(
    bool(os.environ.get("TRADEWIND_TEST_DATABASE_URL")),
    reason="runs on a scratch SQLite file of its own",
)
async def test_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}")
    try:
        await upgrade_database(db)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_tables) >= TABLES
            await conn.run_sync(_down)
            await conn.commit()
            assert not TABLES & await conn.run_sync(_tables)
            assert "applications" in await conn.run_sync(_tables)
        await upgrade_database(db)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_tables) >= TABLES
    finally:
        await db.dispose()
