"""blobs.encodings: compressed variants stored next to each blob

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 03:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for every existing blob: the background compressor picks them up after upgrade.
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("encodings", sa.String(length=50), nullable=True))
        batch_op.create_index(batch_op.f("ix_blobs_encodings"), ["encodings"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blobs_encodings"))
        batch_op.drop_column("encodings")
