"""Migration 0002 on a database with data: nothing under an application is lost, and every
existing application gets its own ingest key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tradewind.db import MIGRATIONS_DIR, Database, upgrade_database

ROWS = [
    "INSERT INTO users (id, email, display_name, is_site_admin, disabled, failed_logins,"
    " created_at, updated_at) VALUES (1, 'a@example.com', 'A', 0, 0, 0, :now, :now)",
    "INSERT INTO organisations (id, name, display_name, created_at, updated_at)"
    " VALUES (1, 'acme', 'Acme', :now, :now)",
    "INSERT INTO applications (id, org_id, name, display_name, revision, last_package_version,"
    " created_at, updated_at) VALUES (1, 1, 'shop', 'Shop', 3, 0, :now, :now),"
    " (2, 1, 'till', 'Till', 0, 0, :now, :now)",
    "INSERT INTO app_members (app_id, user_id, role, created_at) VALUES (1, 1, 'read', :now)",
]


def _to_0001(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    command.upgrade(config, "0001")


@pytest.mark.skipif(
    bool(os.environ.get("TRADEWIND_TEST_DATABASE_URL")),
    reason="runs on a scratch SQLite file (the case where a table rebuild would cascade)",
)
async def test_upgrade_keeps_data_and_fills_ingest_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with db.engine.connect() as conn:
            await conn.run_sync(_to_0001)
            await conn.commit()
        async with db.engine.begin() as conn:
            for statement in ROWS:
                await conn.execute(text(statement), {"now": "2026-01-01 00:00:00"})
        await upgrade_database(db)
        async with db.engine.connect() as conn:
            members = (await conn.execute(text("SELECT count(*) FROM app_members"))).scalar()
            keys = (
                await conn.execute(text("SELECT ingest_key, ingest_keyless FROM applications"))
            ).all()
    finally:
        await db.dispose()
    assert members == 1
    assert len({key for key, _ in keys}) == 2
    assert all(key.startswith("twi_") and not keyless for key, keyless in keys)
