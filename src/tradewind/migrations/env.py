"""Alembic environment: always driven with a connection handed in by tradewind.db."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from tradewind.models import Base

connection: Connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
