"""All SQL of the signals: applying flushed batches (upserts, sketch merges) and pruning."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.db import Database
from tradewind.models import Application, SignalCount, SignalFlush, SignalSketch
from tradewind.models.base import utcnow
from tradewind.signals.batch import (
    Batch,
    CountRow,
    SketchRow,
    count_rows,
    merge_sketches,
    sketch_rows,
)

InsertFactory = Callable[[Any], Any]
PRIMARY_KEY = ["app_id", "span", "bucket", "metric", "release_id", "package_version"]


async def apply(db: Database, batches: Sequence[Batch]) -> None:
    """Apply the batches not yet in the ledger, and ledger them, in one transaction."""
    insert: InsertFactory = postgresql.insert if db.is_postgres else sqlite.insert
    async with db.unit_of_work() as session:
        # The ledger insert comes first: on SQLite it takes the write lock before any read.
        todo = [b for b in batches if await _claim(session, insert, b.id)]
        if not todo:
            return
        counts, sketches = count_rows(todo), sketch_rows(todo)
        apps = await _existing_apps(session, {r[0] for r in counts} | {r[0] for r in sketches})
        await _add_counts(session, insert, {r: n for r, n in counts.items() if r[0] in apps})
        for row, data in sorted(sketches.items()):
            if row[0] in apps:
                await _merge_sketch(session, insert, row, data)


async def _claim(session: AsyncSession, insert: InsertFactory, batch_id: str) -> bool:
    """Ledger this batch id; False when it is there already (that flush did commit)."""
    statement = (
        insert(SignalFlush)
        .values(id=batch_id, flushed_at=utcnow())
        .on_conflict_do_nothing()
        .returning(SignalFlush.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def _existing_apps(session: AsyncSession, app_ids: set[int]) -> set[int]:
    """Applications deleted since the signals were recorded drop their counts."""
    if not app_ids:
        return set()
    found = await session.scalars(select(Application.id).where(Application.id.in_(app_ids)))
    return set(found)


async def _add_counts(
    session: AsyncSession, insert: InsertFactory, rows: dict[CountRow, int]
) -> None:
    if not rows:
        return
    statement: Insert = insert(SignalCount)
    statement = statement.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=PRIMARY_KEY,
        set_={"count": SignalCount.count + statement.excluded.count},  # type: ignore[attr-defined]
    )
    # Sorted: two processes upserting the same rows lock them in the same order.
    params = [
        {
            "app_id": app_id,
            "span": span,
            "bucket": bucket,
            "metric": metric,
            "release_id": release_id,
            "package_version": version,
            "count": n,
        }
        for (app_id, span, bucket, metric, release_id, version), n in sorted(rows.items())
    ]
    await session.execute(statement, params)


async def _merge_sketch(
    session: AsyncSession, insert: InsertFactory, row: SketchRow, data: bytes
) -> None:
    app_id, span, bucket, release_id, version = row
    key = {
        "app_id": app_id,
        "span": span,
        "bucket": bucket,
        "release_id": release_id,
        "package_version": version,
    }
    inserted = await session.execute(
        insert(SignalSketch)
        .values(**key, sketch=data)
        .on_conflict_do_nothing()
        .returning(SignalSketch.app_id)
    )
    if inserted.scalar_one_or_none() is not None:
        return
    where = [getattr(SignalSketch, name) == value for name, value in key.items()]
    stored = await session.scalar(select(SignalSketch.sketch).where(*where).with_for_update())
    assert stored is not None  # the insert above conflicted with it, and we hold its lock
    merged = merge_sketches(stored, data)
    await session.execute(update(SignalSketch).where(*where).values(sketch=merged))


async def prune(
    session: AsyncSession, cutoffs: dict[str, datetime], ledger_cutoff: datetime
) -> int:
    """Delete roll-up rows of each span older than its cutoff; returns rows deleted."""
    deleted = 0
    for table in (SignalCount, SignalSketch):
        for span, cutoff in cutoffs.items():
            result = await session.execute(
                delete(table).where(table.span == span, table.bucket < cutoff)
            )
            deleted += result.rowcount or 0  # type: ignore[attr-defined]
    await session.execute(delete(SignalFlush).where(SignalFlush.flushed_at < ledger_cutoff))
    return deleted
