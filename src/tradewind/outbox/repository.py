"""Queries for the cleanup outbox."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import CursorResult, delete, exists, func, insert, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Blob, CleanupOutbox
from tradewind.models.base import UTCDateTime

# Namespace of the two-key advisory locks that serialise work on one storage key.
KEY_LOCK_CLASS = 0x7477


async def lock_keys(session: AsyncSession, keys: Sequence[str]) -> None:
    """Serialise, until commit, everyone who writes or deletes the blobs at `keys`.

    PostgreSQL: transaction-level advisory locks on the keys' hashes, taken in sorted order
    so that two lockers never wait on each other crosswise. SQLite has a single writer, so
    callers only need their transaction's first statement to be a write.
    """
    if not keys or session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(:cls, hashtext(k))) "
            "FROM (SELECT unnest(CAST(:keys AS text[])) AS k ORDER BY 1) AS ordered"
        ),
        {"cls": KEY_LOCK_CLASS, "keys": sorted(set(keys))},
    )


async def add(
    session: AsyncSession, keys: Sequence[str], reason: str, due: datetime, now: datetime
) -> list[int]:
    if not keys:
        return []
    rows = [
        {
            "storage_key": key,
            "reason": reason,
            "attempts": 0,
            "next_attempt_at": due,
            "created_at": now,
        }
        for key in keys
    ]
    result = await session.scalars(insert(CleanupOutbox).returning(CleanupOutbox.id), rows)
    return list(result)


async def delete_ids(session: AsyncSession, row_ids: Sequence[int]) -> int:
    result = await session.execute(
        delete(CleanupOutbox)
        .where(CleanupOutbox.id.in_(row_ids))
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount


async def add_app_blobs(
    session: AsyncSession, app_ids: Iterable[int], reason: str, due: datetime
) -> None:
    """Enqueue the key of every blob of these applications, in one statement."""
    ids = list(app_ids)
    if not ids:
        return
    rows = select(
        Blob.storage_key,
        literal(reason),
        literal(0),
        literal(due, UTCDateTime),
        literal(due, UTCDateTime),
    ).where(Blob.app_id.in_(ids))
    columns = ["storage_key", "reason", "attempts", "next_attempt_at", "created_at"]
    await session.execute(insert(CleanupOutbox).from_select(columns, rows))


async def due_rows(session: AsyncSession, now: datetime, limit: int) -> list[tuple[int, str]]:
    query = (
        select(CleanupOutbox.id, CleanupOutbox.storage_key)
        .where(CleanupOutbox.next_attempt_at <= now)
        .order_by(CleanupOutbox.next_attempt_at, CleanupOutbox.id)
        .limit(limit)
    )
    return [(row.id, row.storage_key) for row in await session.execute(query)]


async def claim(session: AsyncSession, row_id: int, now: datetime) -> bool:
    """Mark a due row as being worked on; False when it is gone or no longer due."""
    result = await session.execute(
        update(CleanupOutbox)
        .where(CleanupOutbox.id == row_id, CleanupOutbox.next_attempt_at <= now)
        .values(attempts=CleanupOutbox.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def key_in_use(session: AsyncSession, key: str, now: datetime) -> bool:
    """A blob row references the key, or a not-yet-due row (an upload in flight) covers it."""
    referenced = exists().where(Blob.storage_key == key)
    pending = exists().where(CleanupOutbox.storage_key == key, CleanupOutbox.next_attempt_at > now)
    found = await session.scalar(select(referenced | pending))
    return bool(found)


async def delete_due(session: AsyncSession, key: str, now: datetime) -> None:
    await session.execute(
        delete(CleanupOutbox).where(
            CleanupOutbox.storage_key == key, CleanupOutbox.next_attempt_at <= now
        )
    )


async def reschedule(session: AsyncSession, row_id: int, when: datetime, error: str) -> None:
    """Record a failed attempt and when to try again."""
    await session.execute(
        update(CleanupOutbox)
        .where(CleanupOutbox.id == row_id)
        .values(attempts=CleanupOutbox.attempts + 1, next_attempt_at=when, last_error=error[:2000])
        .execution_options(synchronize_session=False)
    )


async def attempts_of(session: AsyncSession, row_id: int) -> int | None:
    return await session.scalar(select(CleanupOutbox.attempts).where(CleanupOutbox.id == row_id))


async def backlog(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Rows waiting: due now, scheduled later, and those whose last attempt failed."""
    due = CleanupOutbox.next_attempt_at <= now
    row = (
        await session.execute(
            select(
                func.count().filter(due),
                func.count().filter(~due),
                func.count().filter(CleanupOutbox.attempts > 0),
            ).select_from(CleanupOutbox)
        )
    ).one()
    return {"due": int(row[0]), "scheduled": int(row[1]), "retrying": int(row[2])}
