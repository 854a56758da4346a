"""channel dimension: Airborne devices choose a release channel by a dimension's value

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: on SQLite a batch rebuild of `applications` would cascade deletes.
    op.add_column("applications", sa.Column("channel_dimension", sa.String(63), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("channel_dimension")
