"""The purge queue: every process's snapshot store queues the applications whose answers
changed (once per change, whichever process notices first), and a drain loop in every process
sends what is due as one batch to the provider, retrying failures with backoff a bounded
number of times.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from tradewind.cdn import repository as repo
from tradewind.cdn.providers import PurgeFailed, Purger
from tradewind.db import Database
from tradewind.metrics.registry import CDN_PURGES
from tradewind.models.base import utcnow
from tradewind.settings import Settings

log = logging.getLogger("tradewind.cdn")

BATCH_SIZE = 500
# The device paths of an application, by protocol; `{key}` is "org/app".
DEVICE_PATH_TEMPLATES = ["/release/{key}", "/release/v2/{key}", "/api/releases/{key}"]


def device_paths(path_key: str) -> list[str]:
    return [template.format(key=path_key) for template in DEVICE_PATH_TEMPLATES]


@dataclass
class DrainResult:
    purged: int = 0  # changes purged
    failed: int = 0  # rescheduled
    abandoned: int = 0  # failed max_attempts times: dropped, logged


async def enqueue(db: Database, changes: dict[str, list[str]]) -> None:
    """Queue changes ({"<app id>:<revision>": paths}); never raises (a lost purge only means
    the CDN serves the old answer until its s-maxage)."""
    try:
        async with db.unit_of_work() as session:
            await repo.enqueue(session, changes, utcnow())
    except Exception as exc:
        log.warning("cdn purge not queued (%s): %s", ", ".join(changes), type(exc).__name__)


def backoff(settings: Settings, attempts: int) -> timedelta:
    seconds = settings.cdn_purge_interval_seconds * 2.0 ** min(attempts, 20)
    return timedelta(seconds=min(seconds, settings.cdn_purge_max_backoff_seconds))


async def drain_once(
    db: Database, purger: Purger, settings: Settings, now: datetime | None = None
) -> DrainResult:
    now = now or utcnow()
    result = DrainResult()
    async with db.unit_of_work() as session:
        rows = await repo.take_due(session, now, BATCH_SIZE)
        if not rows:
            return result
        paths = sorted({path for row in rows for path in row.paths})
        try:
            await purger.purge(paths)
        except PurgeFailed as exc:
            reason = str(exc)
            retry = [r.id for r in rows if r.attempts + 1 < settings.cdn_purge_max_attempts]
            given_up = [r.id for r in rows if r.id not in retry]
            delay = backoff(settings, min((r.attempts for r in rows), default=0))
            await repo.reschedule(session, retry, reason, delay, now)
            await repo.remove(session, given_up)
            result.failed, result.abandoned = len(retry), len(given_up)
            log.warning("cdn purge of %d paths failed: %s", len(paths), reason)
            if given_up:
                log.error("cdn purge abandoned after %d attempts", settings.cdn_purge_max_attempts)
            CDN_PURGES.labels("failed").inc()
            return result
        await repo.remove(session, [r.id for r in rows])
    result.purged = len(rows)
    CDN_PURGES.labels("purged").inc()
    log.info("cdn purged %d paths (%d changes)", len(paths), len(rows))
    return result


async def run_purges(db: Database, purger: Purger, settings: Settings) -> None:
    """The drain loop; a database outage only delays the purges."""
    try:
        while True:
            try:
                await drain_once(db, purger, settings)
            except Exception:  # database unavailable: the rows wait for the next pass
                log.exception("cdn purge drain failed")
            await asyncio.sleep(settings.cdn_purge_interval_seconds)
    finally:
        await purger.close()
