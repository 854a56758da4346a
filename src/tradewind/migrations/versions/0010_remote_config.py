"""remote config: property schemas, cohort dimensions, experiment variants, saved views

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tradewind.models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", tradewind.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tradewind.models.base.UTCDateTime(timezone=True), nullable=False),
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
        "config_properties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("default_value", _JSON, nullable=False),
        sa.Column("schema", _JSON, nullable=False),
        *_stamps(),
        _app_fk("config_properties"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_properties")),
        sa.UniqueConstraint("app_id", "name", name=op.f("uq_config_properties_app_id")),
    )
    op.create_table(
        "cohort_dimensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("base_dimension", sa.String(length=63), nullable=False),
        sa.Column("cohorts", _JSON, nullable=False),
        *_stamps(),
        _app_fk("cohort_dimensions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_dimensions")),
        sa.UniqueConstraint("app_id", "name", name=op.f("uq_cohort_dimensions_app_id")),
    )

    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("filters", _JSON, nullable=False),
        *_stamps(),
        _app_fk("saved_views"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("app_id", "name", name=op.f("uq_saved_views_app_id")),
    )
    # Experiment variants are release rows under their experiment's release.
    op.add_column("releases", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.add_column("releases", sa.Column("variant_name", sa.String(length=63), nullable=True))
    op.add_column("releases", sa.Column("variant_ranges", _JSON, nullable=True))
    op.create_index(op.f("ix_releases_parent_id"), "releases", ["parent_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_releases_parent_id"), table_name="releases")
    # Plain DROP COLUMN: a batch rebuild of `releases` would cascade to its resources.
    for column in ("variant_ranges", "variant_name", "parent_id"):
        op.drop_column("releases", column)
    op.drop_table("saved_views")
    op.drop_table("cohort_dimensions")
    op.drop_table("config_properties")
