"""Start-up skips Alembic when the database is at head: the heads read without Alembic must
be Alembic's own, and a fresh database must still count as pending."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from tradewind.db import MIGRATIONS_DIR, Database, migrations_pending
from tradewind.migrations.heads import script_heads
from tradewind.settings import Settings


def alembic_heads() -> frozenset[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


@pytest.mark.once
def test_heads_read_from_the_scripts_are_alembics() -> None:
    assert script_heads() == alembic_heads()


@pytest.mark.once
def test_unreadable_scripts_mean_run_alembic(tmp_path: Path) -> None:
    (tmp_path / "0001_x.py").write_text('revision = "0001"\ndown_revision = None\n')
    (tmp_path / "0002_y.py").write_text('revision = "0002"\ndown_revision = "0001"\n')
    assert script_heads(tmp_path) == {"0002"}
    (tmp_path / "0003_z.py").write_text("revision = make_revision()\n")
    assert script_heads(tmp_path) is None


@pytest.mark.once
def test_merge_revisions_have_several_parents(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision: str = "b"\ndown_revision: str | None = "a"\n')
    (tmp_path / "c.py").write_text('revision = "c"\ndown_revision = "a"\n')
    (tmp_path / "m.py").write_text('revision = "m"\ndown_revision = ("b", "c")\n')
    assert script_heads(tmp_path) == {"m"}


async def test_migrated_database_is_not_pending(settings: Settings) -> None:
    db = Database.for_settings(settings)
    try:
        assert not await migrations_pending(db)
    finally:
        await db.dispose()


@pytest.mark.once
async def test_empty_database_is_pending(tmp_path: Path) -> None:
    db = Database.for_settings(
        Settings(data_dir=tmp_path, database_url="", _env_file=None)  # type: ignore[call-arg]
    )
    try:
        assert await migrations_pending(db)
    finally:
        await db.dispose()
