"""rollout guards: application defaults, per-release guards, trips; audit actor labels

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 03:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tradewind.models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _limit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("min_sample", sa.Integer(), nullable=False),
        sa.Column("max_failure_rate", sa.Float(), nullable=False),
        sa.Column("max_excess", sa.Float(), nullable=True),
        sa.Column("ramp_steps", _JSON, nullable=True),
        sa.Column("ramp_interval_seconds", sa.Integer(), nullable=True),
        sa.Column("updated_at", tradewind.models.base.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "app_guards",
        sa.Column("app_id", sa.Integer(), nullable=False),
        *_limit_columns(),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["applications.id"],
            name=op.f("fk_app_guards_app_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_app_guards")),
    )
    op.create_table(
        "release_guards",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        *_limit_columns(),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["applications.id"],
            name=op.f("fk_release_guards_app_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_release_guards_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("release_id", name=op.f("pk_release_guards")),
    )
    op.create_index(op.f("ix_release_guards_app_id"), "release_guards", ["app_id"], unique=False)
    op.create_table(
        "guard_trips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("figures", _JSON, nullable=False),
        sa.Column("tripped_at", tradewind.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["applications.id"],
            name=op.f("fk_guard_trips_app_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_guard_trips_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guard_trips")),
    )
    op.create_index(op.f("ix_guard_trips_release_id"), "guard_trips", ["release_id"], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_label", sa.String(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("actor_label")
    op.drop_index(op.f("ix_guard_trips_release_id"), table_name="guard_trips")
    op.drop_table("guard_trips")
    op.drop_index(op.f("ix_release_guards_app_id"), table_name="release_guards")
    op.drop_table("release_guards")
    op.drop_table("app_guards")
