"""0012 upgrades and downgrades (the tables come and go; the rest of the schema stays)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from fixtures.migrations import alembic_config

pytestmark = pytest.mark.once  # its own SQLite file


def test_upgrade_and_downgrade(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0012")
        assert {"webhooks", "webhook_deliveries"} <= set(sa.inspect(connection).get_table_names())
        command.downgrade(alembic_config(connection), "0011")
        tables = set(sa.inspect(connection).get_table_names())
        assert not {"webhooks", "webhook_deliveries"} & tables and "invitations" in tables
    engine.dispose()
