"""Queries for the CDN purge queue."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import CdnPurge


async def enqueue(session: AsyncSession, changes: dict[str, list[str]], now: datetime) -> None:
    """Queue each change once: a change another process queued already is skipped."""
    if not changes:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [
        {
            "change_key": key,
            "paths": paths,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for key, paths in changes.items()
    ]
    await session.execute(
        insert(CdnPurge).on_conflict_do_nothing(index_elements=["change_key"]), rows
    )


async def take_due(session: AsyncSession, now: datetime, limit: int) -> list[CdnPurge]:
    """Due rows, locked until commit so that another process's drain skips them."""
    query = (
        select(CdnPurge)
        .where(CdnPurge.next_attempt_at <= now)
        .order_by(CdnPurge.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars())


async def remove(session: AsyncSession, ids: list[int]) -> None:
    await session.execute(delete(CdnPurge).where(CdnPurge.id.in_(ids)))


async def reschedule(
    session: AsyncSession, ids: list[int], error: str, delay: timedelta, now: datetime
) -> None:
    await session.execute(
        update(CdnPurge)
        .where(CdnPurge.id.in_(ids))
        .values(attempts=CdnPurge.attempts + 1, next_attempt_at=now + delay, last_error=error)
    )


async def backlog(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(CdnPurge))).scalar_one())
