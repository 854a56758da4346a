"""The cleanup outbox: no blob outlives every database row that references it.

Protocol (see docs/files-and-packages.md):

1. Before writing a blob, `register_pending` commits an outbox row for its key in a separate
   transaction, due only after a grace period.
2. The blob is written; the request's own unit of work then inserts the Blob row.
3. Deletions that leave a blob unreferenced delete its Blob row and `enqueue` the key (due
   now) in the same transaction.
4. `drain_once` takes due rows and deletes their keys from storage when no Blob row and no
   pending (not yet due) row covers them, then deletes the rows. A failure reschedules the
   row with exponential backoff. The rows live in the database, so work survives restarts.

Writers and the drain take the same per-key lock (see `repository.lock_keys`), so a key that
an upload has just registered is never deleted under it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.compression.variants import variant_keys
from tradewind.db import Database
from tradewind.errors import Conflict, DatabaseUnavailable
from tradewind.models.base import utcnow
from tradewind.outbox import repository as repo
from tradewind.settings import Settings
from tradewind.storage import BlobStore

log = logging.getLogger("tradewind.outbox")

BATCH_SIZE = 100


@dataclass
class DrainResult:
    deleted: int = 0  # removed from storage
    kept: int = 0  # still referenced (or covered by a pending upload): row dropped only
    failed: int = 0  # storage or database error: rescheduled with backoff
    skipped: int = 0  # another worker took the row first

    @property
    def processed(self) -> int:
        return self.deleted + self.kept + self.failed + self.skipped


async def register_pending(
    db: Database,
    keys: Sequence[str],
    grace_seconds: float,
    reason: str = "upload",
    now: datetime | None = None,
) -> list[int]:
    """Durably note keys about to be written (separate, committed transaction).

    Returns the rows' ids, for `settle` in the unit of work that inserts the Blob rows.
    """
    if not keys:
        return []
    now = now or utcnow()
    unique = sorted(set(keys))
    async with db.unit_of_work() as session:
        await repo.lock_keys(session, unique)
        due = now + timedelta(seconds=grace_seconds)
        return await repo.add(session, unique, reason, due, now)


async def settle(session: AsyncSession, row_ids: Sequence[int]) -> None:
    """In the unit of work that inserts the Blob rows: drop their pending rows.

    If that unit of work fails, the rows stay and the drain removes the blobs once the grace
    period is over. A row already gone means the grace period passed and the drain may have
    deleted the blob: the request must fail rather than commit a row without its bytes.
    """
    if not row_ids:
        return
    if await repo.delete_ids(session, row_ids) != len(row_ids):
        raise Conflict(
            "the upload took longer than the cleanup grace period; retry it",
            code="upload_expired",
        )


async def enqueue(
    session: AsyncSession, keys: Sequence[str], reason: str, now: datetime | None = None
) -> None:
    """In the caller's unit of work: these keys may have just lost their last reference."""
    now = now or utcnow()
    await repo.add(session, sorted(set(keys)), reason, now, now)


async def enqueue_app_blobs(session: AsyncSession, app_ids: Sequence[int], reason: str) -> None:
    """Before deleting applications: every blob of theirs becomes garbage at commit."""
    await repo.add_app_blobs(session, app_ids, reason, utcnow())


def backoff_seconds(settings: Settings, attempts: int) -> float:
    """Delay after the `attempts`-th failure: the drain interval, doubling, capped."""
    exponent = min(max(attempts - 1, 0), 32)
    return float(
        min(settings.outbox_interval_seconds * 2**exponent, settings.outbox_max_backoff_seconds)
    )


async def drain_once(
    db: Database,
    store: BlobStore,
    settings: Settings,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> DrainResult:
    """Process up to `batch_size` due rows; `now` may be moved forward by tests."""
    now = now or utcnow()
    async with db.unit_of_work() as session:
        rows = await repo.due_rows(session, now, batch_size)
    result = DrainResult()
    for row_id, key in rows:
        try:
            outcome = await _process(db, store, row_id, key, now)
        except Exception as exc:  # storage or database failure: try again later
            log.warning("cleanup of %s failed: %s", key, exc)
            await _reschedule(db, settings, row_id, now, exc)
            result.failed += 1
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


async def _process(db: Database, store: BlobStore, row_id: int, key: str, now: datetime) -> str:
    async with db.unit_of_work() as session:
        await repo.lock_keys(session, [key])
        if not await repo.claim(session, row_id, now):  # first write: SQLite's write lock
            return "skipped"
        if await repo.key_in_use(session, key, now):
            await repo.delete_due(session, key, now)
            return "kept"
        for doomed in (key, *variant_keys(key)):  # the blob and its compressed variants
            await store.delete(doomed)
        await repo.delete_due(session, key, now)
        return "deleted"


async def _reschedule(
    db: Database, settings: Settings, row_id: int, now: datetime, exc: Exception
) -> None:
    try:
        async with db.unit_of_work() as session:
            attempts = await repo.attempts_of(session, row_id)
            if attempts is None:
                return
            delay = backoff_seconds(settings, attempts + 1)
            error = f"{type(exc).__name__}: {exc}"
            await repo.reschedule(session, row_id, now + timedelta(seconds=delay), error)
    except Exception:
        log.exception("could not reschedule cleanup row %s", row_id)


async def run_drain(db: Database, store: BlobStore, settings: Settings) -> None:
    """The background loop: sleep, drain (repeating while batches are full); never dies."""
    while True:
        await asyncio.sleep(settings.outbox_interval_seconds)
        result = DrainResult(skipped=BATCH_SIZE)
        while result.processed >= BATCH_SIZE:
            try:
                result = await drain_once(db, store, settings)
            except DatabaseUnavailable:  # logged once by the database's availability
                break
            except Exception:
                log.exception("cleanup outbox drain failed")
                break
