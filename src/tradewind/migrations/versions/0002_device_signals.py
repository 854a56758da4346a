"""device signals: roll-up tables, flush ledger, application ingest keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 03:10:00.000000
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

import tradewind.models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SPAN_CHECK = "span IN ('minute', 'hour', 'day')"


def _key_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("span", sa.String(length=6), nullable=False),
        sa.Column("bucket", tradewind.models.base.UTCDateTime(timezone=True), nullable=False),
    ]


def _release_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("release_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("package_version", sa.String(length=64), nullable=False, server_default=""),
    ]


def _app_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["app_id"],
        ["applications.id"],
        name=op.f(f"fk_{table}_app_id_applications"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "signal_counts",
        *_key_columns(),
        sa.Column("metric", sa.String(length=32), nullable=False),
        *_release_columns(),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(SPAN_CHECK, name=op.f("ck_signal_counts_span")),
        _app_fk("signal_counts"),
        sa.PrimaryKeyConstraint(
            "app_id",
            "span",
            "bucket",
            "metric",
            "release_id",
            "package_version",
            name=op.f("pk_signal_counts"),
        ),
    )
    op.create_table(
        "signal_sketches",
        *_key_columns(),
        *_release_columns(),
        sa.Column("sketch", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(SPAN_CHECK, name=op.f("ck_signal_sketches_span")),
        _app_fk("signal_sketches"),
        sa.PrimaryKeyConstraint(
            "app_id",
            "span",
            "bucket",
            "release_id",
            "package_version",
            name=op.f("pk_signal_sketches"),
        ),
    )
    op.create_table(
        "signal_flushes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("flushed_at", tradewind.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_flushes")),
    )
    with op.batch_alter_table("signal_flushes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signal_flushes_flushed_at"), ["flushed_at"], unique=False
        )
    _add_ingest_columns()


def _add_ingest_columns() -> None:
    # Plain ADD COLUMN (no table rebuild): on SQLite a rebuild drops `applications`, and with
    # foreign keys on, that would cascade to everything under it.
    op.add_column(
        "applications",
        sa.Column("ingest_key", sa.String(length=64), nullable=False, server_default=""),
    )
    op.add_column(
        "applications",
        sa.Column("ingest_keyless", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    conn = op.get_bind()
    apps = sa.table("applications", sa.column("id", sa.Integer), sa.column("ingest_key"))
    for (app_id,) in conn.execute(sa.select(apps.c.id)).all():
        key = "twi_" + secrets.token_urlsafe(32)
        conn.execute(apps.update().where(apps.c.id == app_id).values(ingest_key=key))
    if conn.dialect.name == "postgresql":
        op.alter_column("applications", "ingest_key", server_default=None)


def downgrade() -> None:
    op.drop_column("applications", "ingest_keyless")
    op.drop_column("applications", "ingest_key")
    with op.batch_alter_table("signal_flushes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signal_flushes_flushed_at"))
    op.drop_table("signal_flushes")
    op.drop_table("signal_sketches")
    op.drop_table("signal_counts")
