"""CodePush: deployments with keys, the CodePush form of releases, diff zips

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "codepush_deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=63), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["applications.id"],
            name=op.f("fk_codepush_deployments_app_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codepush_deployments")),
        sa.UniqueConstraint("app_id", "name", name="uq_codepush_deployments_app_name"),
        sa.UniqueConstraint("app_id", "channel", name="uq_codepush_deployments_app_channel"),
        sa.UniqueConstraint("key_hash", name=op.f("uq_codepush_deployments_key_hash")),
    )
    op.create_table(
        "codepush_releases",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("label_number", sa.Integer(), nullable=False),
        sa.Column("package_hash", sa.String(length=64), nullable=False),
        sa.Column("manifest", JSON, nullable=False),
        sa.Column("zip_blob_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_disabled", sa.Boolean(), nullable=False),
        sa.Column("diffs_built", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_codepush_releases_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["codepush_deployments.id"],
            name=op.f("fk_codepush_releases_deployment_id_codepush_deployments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["zip_blob_id"],
            ["blobs.id"],
            name=op.f("fk_codepush_releases_zip_blob_id_blobs"),
            deferrable=True,
            initially="IMMEDIATE",
        ),
        sa.PrimaryKeyConstraint("release_id", name=op.f("pk_codepush_releases")),
        sa.UniqueConstraint(
            "deployment_id", "label_number", name=op.f("uq_codepush_releases_deployment_id")
        ),
    )
    op.create_index(
        op.f("ix_codepush_releases_deployment_id"), "codepush_releases", ["deployment_id"]
    )
    op.create_index(op.f("ix_codepush_releases_zip_blob_id"), "codepush_releases", ["zip_blob_id"])
    op.create_index(op.f("ix_codepush_releases_diffs_built"), "codepush_releases", ["diffs_built"])
    op.create_table(
        "codepush_diffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("from_package_hash", sa.String(length=64), nullable=False),
        sa.Column("blob_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["codepush_releases.release_id"],
            name=op.f("fk_codepush_diffs_release_id_codepush_releases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["blob_id"],
            ["blobs.id"],
            name=op.f("fk_codepush_diffs_blob_id_blobs"),
            deferrable=True,
            initially="IMMEDIATE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codepush_diffs")),
        sa.UniqueConstraint(
            "release_id", "from_package_hash", name=op.f("uq_codepush_diffs_release_id")
        ),
    )
    op.create_index(op.f("ix_codepush_diffs_blob_id"), "codepush_diffs", ["blob_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_codepush_diffs_blob_id"), table_name="codepush_diffs")
    op.drop_table("codepush_diffs")
    op.drop_index(op.f("ix_codepush_releases_diffs_built"), table_name="codepush_releases")
    op.drop_index(op.f("ix_codepush_releases_zip_blob_id"), table_name="codepush_releases")
    op.drop_index(op.f("ix_codepush_releases_deployment_id"), table_name="codepush_releases")
    op.drop_table("codepush_releases")
    op.drop_table("codepush_deployments")
