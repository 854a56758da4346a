"""cdn_purges: the queue of CDN purges after changes of what devices are served

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tradewind.models.base import JSONType, UTCDateTime

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cdn_purges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_key", sa.String(length=300), nullable=False),
        sa.Column("paths", JSONType, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cdn_purges")),
        sa.UniqueConstraint("change_key", name=op.f("uq_cdn_purges_change_key")),
    )
    op.create_index(
        op.f("ix_cdn_purges_next_attempt_at"), "cdn_purges", ["next_attempt_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_cdn_purges_next_attempt_at"), table_name="cdn_purges")
    op.drop_table("cdn_purges")
