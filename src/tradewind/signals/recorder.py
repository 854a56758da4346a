"""SignalRecorder: counts and distinct-device sketches held in process memory, flushed in batches.

Recording is a dict update keyed by the current minute: no I/O, no lock. `flush()` takes what is
held as one batch with a fresh id and applies it in one transaction together with a ledger row
for that id. A batch whose transaction fails stays held and is retried with its id, so a retry
of a flush that did commit (the connection died after COMMIT reached the database) finds its id
in the ledger and is not applied twice. A batch holding a value the database refuses (a data
exception, not an outage) is dropped with an error in the log rather than retried forever.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from datasketches import hll_sketch
from sqlalchemy.exc import DBAPIError, IntegrityError

from tradewind.db import Database
from tradewind.metrics.registry import SIGNAL_FLUSHES
from tradewind.signals import repository
from tradewind.signals.batch import Batch, CountKey, SketchKey, new_sketch, union_of
from tradewind.signals.model import Metric

log = logging.getLogger("tradewind.signals")

# Distinct keys held between two flushes; beyond this (a client inventing package versions),
# new keys are counted under OVERFLOW_VERSION so memory and table rows stay bounded.
MAX_HELD_KEYS = 50_000
OVERFLOW_VERSION = "(other)"
# Checks held per (app, minute, release, package version): [checks, anonymous, sketch or None].
Tally = list[Any]


def refused(exc: Exception) -> bool:
    """The database refused a value (a data exception or a constraint), not an outage."""
    if isinstance(exc, IntegrityError):
        return True
    sqlstate = str(getattr(getattr(exc, "orig", None), "sqlstate", None) or "")
    return isinstance(exc, DBAPIError) and sqlstate.startswith(("22", "23"))


class SignalRecorder:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock
        self._counts: dict[CountKey, int] = {}
        self._sketches: dict[SketchKey, hll_sketch] = {}
        self._checks: dict[SketchKey, Tally] = {}
        self._unconfirmed: list[Batch] = []
        self._flushing = asyncio.Lock()

    def count(
        self,
        app_id: int,
        metric: Metric,
        release_id: int = 0,
        package_version: str = "",
        n: int = 1,
    ) -> None:
        key = (app_id, int(self._clock()) // 60, metric.value, release_id, package_version)
        counts = self._counts
        held = counts.get(key)
        if held is None:
            key = self._bounded(key)
            held = counts.get(key, 0)
        counts[key] = held + n

    def device(self, app_id: int, release_id: int, package_version: str, device_id: str) -> None:
        key = (app_id, int(self._clock()) // 60, release_id, package_version)
        sketch = self._sketches.get(key)
        if sketch is None:
            if len(self._sketches) >= MAX_HELD_KEYS:
                key = (*key[:3], OVERFLOW_VERSION)
            sketch = self._sketches.get(key)
            if sketch is None:
                sketch = self._sketches[key] = new_sketch()
        sketch.update(device_id)

    def check(
        self, app_id: int, release_id: int, package_version: str, device_id: str | None
    ) -> None:
        """One answered update check: the device path's single call. One key and one dict
        lookup for CHECK, CHECK_ANONYMOUS and the sketch together (a tally, split at flush)."""
        key = (app_id, int(self._clock()) // 60, release_id, package_version)
        tally = self._checks.get(key)
        if tally is None:
            tally = self._new_tally(key)
        if device_id is None:
            tally[1] += 1
        else:
            sketch = tally[2]
            if sketch is None:
                sketch = tally[2] = new_sketch()
            sketch.update(device_id)
        tally[0] += 1

    def _new_tally(self, key: SketchKey) -> Tally:
        if len(self._checks) >= MAX_HELD_KEYS:
            key = (*key[:3], OVERFLOW_VERSION)
        tally = self._checks.get(key)
        if tally is None:
            tally = self._checks[key] = [0, 0, None]
        return tally

    def _bounded(self, key: CountKey) -> CountKey:
        if len(self._counts) < MAX_HELD_KEYS:
            return key
        return (*key[:4], OVERFLOW_VERSION)

    @property
    def held_batches(self) -> int:
        """Batches taken but not yet confirmed written (retried by the next flush)."""
        return len(self._unconfirmed)

    def held(self) -> dict[CountKey, int]:
        """Every count not yet confirmed written, summed (for tests and diagnostics)."""
        total = dict(self._counts)
        _add_tallies(total, {}, self._checks)
        for batch in self._unconfirmed:
            for key, n in batch.counts.items():
                total[key] = total.get(key, 0) + n
        return total

    async def flush(self) -> None:
        """Write everything held now; on failure keep it for the next flush (logged, not raised)."""
        async with self._flushing:
            self._take()
            if not self._unconfirmed:
                return
            batches = list(self._unconfirmed)
            try:
                # Shielded: a flush cancelled mid-transaction (the flush loop stopped at
                # shutdown) would leave its connection, and SQLite's write lock, behind, and the
                # shutdown flush after it would time out and lose the counts. The shielded write
                # finishes on its own; a later flush of the same batch finds its id ledgered.
                write = asyncio.ensure_future(repository.apply(self._db, batches))
                write.add_done_callback(_retrieve_failure)
                await asyncio.shield(write)
            except Exception as exc:  # any database failure: keep the batches, retry later
                if refused(exc):
                    await self._one_by_one(batches)
                    return
                log.warning(
                    "signals flush failed (%d batches held): %s: %s",
                    len(batches),
                    type(exc).__name__,
                    exc,
                )
                SIGNAL_FLUSHES.labels("failed").inc()
                return
            self._unconfirmed = self._unconfirmed[len(batches) :]
            SIGNAL_FLUSHES.labels("written").inc()

    async def _one_by_one(self, batches: list[Batch]) -> None:
        """Apply batches singly; one the database refuses again is dropped (logged), so a bad
        value cannot block every later flush. Other failures keep the rest for the next flush."""
        for batch in batches:
            try:
                await repository.apply(self._db, [batch])
            except Exception as exc:
                if not refused(exc):
                    SIGNAL_FLUSHES.labels("failed").inc()
                    return
                log.error("signals: batch dropped, the database refuses it: %s", exc)
                SIGNAL_FLUSHES.labels("dropped").inc()
            else:
                SIGNAL_FLUSHES.labels("written").inc()
            self._unconfirmed.remove(batch)

    def _take(self) -> None:
        if not self._counts and not self._sketches and not self._checks:
            return
        counts, sketches, checks = self._counts, self._sketches, self._checks
        self._counts, self._sketches, self._checks = {}, {}, {}
        _add_tallies(counts, sketches, checks)
        self._unconfirmed.append(Batch(counts, sketches))


def _add_tallies(
    counts: dict[CountKey, int],
    sketches: dict[SketchKey, hll_sketch],
    checks: dict[SketchKey, Tally],
) -> None:
    """Split check tallies into CHECK and CHECK_ANONYMOUS counts and device sketches."""
    for (app_id, minute, release_id, version), (n, anonymous, sketch) in checks.items():
        for metric, value in ((Metric.CHECK, n), (Metric.CHECK_ANONYMOUS, anonymous)):
            if value:
                key = (app_id, minute, metric.value, release_id, version)
                counts[key] = counts.get(key, 0) + value
        if sketch is not None:
            key4 = (app_id, minute, release_id, version)
            held = sketches.get(key4)
            sketches[key4] = sketch if held is None else union_of(held, sketch)


def _retrieve_failure(write: asyncio.Future[None]) -> None:
    """Marks a shielded write's failure as seen. Nobody awaits the write once its flush was
    cancelled (asyncio would log "exception never retrieved"); its batches stay held, and the
    next flush retries them and logs its own failure."""
    if not write.cancelled():
        write.exception()
