"""key management: keyring canary, signing keys, upload keys and upload policies

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 06:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradewind.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, tradewind.models.base.UTCDateTime(timezone=True), nullable=False)


def _app_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["app_id"],
        ["applications.id"],
        name=op.f(f"fk_{table}_app_id_applications"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "keyring_canary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keyring_canary")),
    )
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("public_pem", sa.Text(), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=True),
        sa.Column("private_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("imported", sa.Boolean(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        _app_fk("signing_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("app_id", "key_id", name=op.f("uq_signing_keys_app_id")),
    )
    op.create_index(op.f("ix_signing_keys_app_id"), "signing_keys", ["app_id"], unique=False)
    op.create_table(
        "upload_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("public_pem", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        _when("created_at"),
        _app_fk("upload_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_keys")),
        sa.UniqueConstraint("app_id", "key_id", name=op.f("uq_upload_keys_app_id")),
    )
    op.create_index(op.f("ix_upload_keys_app_id"), "upload_keys", ["app_id"], unique=False)
    op.create_table(
        "upload_policies",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("require_signature", sa.Boolean(), nullable=False),
        _when("updated_at"),
        _app_fk("upload_policies"),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_upload_policies")),
    )


def downgrade() -> None:
    op.drop_table("upload_policies")
    op.drop_index(op.f("ix_upload_keys_app_id"), table_name="upload_keys")
    op.drop_table("upload_keys")
    op.drop_index(op.f("ix_signing_keys_app_id"), table_name="signing_keys")
    op.drop_table("signing_keys")
    op.drop_table("keyring_canary")
