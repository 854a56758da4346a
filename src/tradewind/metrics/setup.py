"""Wiring of the metrics into the process: the sync loop and the worker's exit."""

from __future__ import annotations

import asyncio
import os
import time
from typing import TYPE_CHECKING

from prometheus_client import multiprocess

from tradewind.metrics.exposition import multiprocess_dir
from tradewind.metrics.registry import SIGNAL_BATCHES_HELD, SNAPSHOT_AGE, WORKERS

if TYPE_CHECKING:
    from tradewind.context import AppContext


def publish(ctx: AppContext) -> None:
    """Move this process's held values into the metrics (cheap: a few dict operations)."""
    ctx.device_tally.publish()
    last = ctx.snapshots.last_success
    if last is not None:
        SNAPSHOT_AGE.set(time.monotonic() - last)
    SIGNAL_BATCHES_HELD.set(ctx.signals.held_batches)


async def sync_loop(ctx: AppContext) -> None:
    """Publish every interval, so a scrape answered by another worker sees this one's counts."""
    WORKERS.set(1)
    while True:
        await asyncio.sleep(ctx.settings.metrics_sync_interval_seconds)
        publish(ctx)


async def final_publish(ctx: AppContext) -> None:
    """At shutdown: the last counts, then this worker's live gauges leave the sums."""
    publish(ctx)
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
