"""The per-process loop that keeps snapshots current, and its readiness check.

One revision query per process per `snapshot_poll_interval_seconds`, never per request. When
the database is unreachable the process keeps serving its last snapshots, reports itself not
ready, and retries with exponential backoff until the database answers again.
"""

from __future__ import annotations

import asyncio
import logging

from tradewind.metrics.registry import SNAPSHOT_REFRESH_FAILURES
from tradewind.serving.store import RefreshResult, SnapshotStore

log = logging.getLogger("tradewind.serving")

MAX_BACKOFF_SECONDS = 5.0
# A refresh that hangs (half-open connection) must not freeze the loop forever.
REFRESH_TIMEOUT_SECONDS = 10.0


async def refresh_once(store: SnapshotStore) -> RefreshResult | None:
    """One poll; on failure record why (readiness turns "stale") and return None."""
    try:
        result = await asyncio.wait_for(store.refresh(), REFRESH_TIMEOUT_SECONDS)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # any driver/network error: keep serving, report, retry
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        if store.last_error is None:
            log.warning("snapshot refresh failed, serving the last snapshots: %s", reason)
        store.last_error = reason
        SNAPSHOT_REFRESH_FAILURES.inc()
        return None
    if result.rebuilt:
        log.info("snapshots rebuilt: %s", ", ".join(result.rebuilt))
    return result


def next_delay(interval: float, failures: int) -> float:
    """The poll interval while healthy; doubling up to MAX_BACKOFF_SECONDS after failures."""
    if failures == 0:
        return interval
    backoff: float = interval * 2.0 ** min(failures, 16)
    return min(backoff, max(MAX_BACKOFF_SECONDS, interval))


async def watch(store: SnapshotStore, interval: float) -> None:
    """Poll forever (until cancelled)."""
    failures = 0
    while True:
        recovered_from = store.last_error
        if await refresh_once(store) is None:
            failures += 1
        else:
            if recovered_from is not None:
                log.warning("snapshot refresh recovered after %d failure(s)", failures)
            failures = 0
        await asyncio.sleep(next_delay(interval, failures))


def max_snapshot_age(interval: float) -> float:
    """How old the last successful poll may be before readiness reports "stale"."""
    return max(10 * interval, REFRESH_TIMEOUT_SECONDS + MAX_BACKOFF_SECONDS)
