"""Engine, sessions, the unit of work, and migrations at start."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from tradewind.db_faults import Availability, is_unavailable
from tradewind.migrations.heads import script_heads
from tradewind.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same for every Tradewind process.
MIGRATION_LOCK_KEY = 0x7472_6164_6577


@dataclass(frozen=True, slots=True)
class DatabaseLimits:
    """Bounds on every database wait (settings `database_*_timeout_seconds`)."""

    connect_timeout: float = 5.0
    statement_timeout: float = 30.0
    pool_timeout: float = 5.0
    busy_timeout: float = 5.0
    retry_after_seconds: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> DatabaseLimits:
        return cls(
            connect_timeout=settings.database_connect_timeout_seconds,
            statement_timeout=settings.database_statement_timeout_seconds,
            pool_timeout=settings.database_pool_timeout_seconds,
            busy_timeout=settings.database_busy_timeout_seconds,
            retry_after_seconds=settings.database_retry_after_seconds,
        )


def _sqlite_pragmas(busy_timeout: float) -> Callable[[Any, Any], None]:
    def enable(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return enable


def create_engine(url: str, limits: DatabaseLimits) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": limits.busy_timeout})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(limits.busy_timeout))
        return engine
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        pool_timeout=limits.pool_timeout,
        # asyncpg: `timeout` bounds connecting, `command_timeout` every statement.
        connect_args={
            "timeout": limits.connect_timeout,
            "command_timeout": limits.statement_timeout,
        },
    )


class Database:
    """One engine and session factory per process."""

    def __init__(self, url: str, limits: DatabaseLimits | None = None) -> None:
        self.url = url
        self.limits = limits or DatabaseLimits()
        self.engine = create_engine(url, self.limits)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.availability = Availability(self.limits.retry_after_seconds)

    @classmethod
    def for_settings(cls, settings: Settings) -> Database:
        return cls(settings.resolved_database_url, DatabaseLimits.from_settings(settings))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A session that commits when the block succeeds and rolls back when it raises.
        An unreachable database surfaces as `DatabaseUnavailable` (503), logged once."""
        async with self.sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException as error:
                with contextlib.suppress(Exception):
                    await session.rollback()
                if is_unavailable(error):
                    raise self.availability.failed(error) from error
                raise
        self.availability.succeeded()

    @asynccontextmanager
    async def guarded(self) -> AsyncIterator[None]:
        """Translate database outages inside the block (outside a unit of work)."""
        try:
            yield
        except Exception as error:
            if is_unavailable(error):
                raise self.availability.failed(error) from error
            raise
        self.availability.succeeded()

    async def ping(self) -> None:
        async with self.guarded(), self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


async def save_rows(session: AsyncSession, *rows: object) -> None:
    """Write these rows now, new or changed (new ones join the unit of work): their ids, and
    any constraint error, are known after."""
    session.add_all(rows)
    await session.flush()


async def save_deletion(session: AsyncSession, row: object) -> None:
    """Delete a loaded row and write the deletion now."""
    await session.delete(row)
    await session.flush()


async def save(session: AsyncSession) -> None:
    """Write the changes made to rows the unit of work holds now instead of at commit (the next
    step reads them back, or needs their constraint errors). New rows: `save_rows`; deleted
    ones: `save_deletion`; rows built from values: their aggregate's repository."""
    await session.flush()


def _upgrade(connection: Connection) -> None:
    from alembic import command  # imported only when a migration is pending
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def _applied_revisions(db: Database) -> frozenset[str]:
    """The revisions recorded in `alembic_version`; empty when the table does not exist."""
    async with db.engine.connect() as conn:
        try:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            return frozenset()
        return frozenset(str(row[0]) for row in rows)


async def has_users(db: Database) -> bool:
    """Whether any user account exists (start-up asks before loading the accounts code)."""
    async with db.engine.connect() as conn:
        return (await conn.execute(text("SELECT 1 FROM users LIMIT 1"))).first() is not None


async def migrations_pending(db: Database) -> bool:
    heads = script_heads()
    return heads is None or await _applied_revisions(db) != heads


async def upgrade_database(db: Database) -> None:
    """Apply all migrations; on PostgreSQL serialised across processes by an advisory lock.

    A database already at the scripts' heads is left alone without loading Alembic."""
    if not await migrations_pending(db):
        return
    async with db.engine.connect() as conn:
        if db.is_postgres:
            await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            await conn.commit()
        try:
            await conn.run_sync(_upgrade)
            await conn.commit()
        finally:
            if db.is_postgres:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                await conn.commit()


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)


@asynccontextmanager
async def startup_lock(db: Database) -> AsyncIterator[None]:
    """Serialise one-off start-up work (migrations, first admin) across processes."""
    if not db.is_postgres:
        yield
        return
    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY + 1})
        await conn.commit()
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY + 1})
            await conn.commit()


def run_sync(coro: Any) -> Any:
    """Run a coroutine from synchronous CLI code."""
    return asyncio.run(coro)
