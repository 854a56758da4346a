"""Wiring of the signals into the process: the flush loop, the shutdown flush, the pruning job."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from tradewind.db import Database
from tradewind.models.base import utcnow
from tradewind.settings import Settings
from tradewind.signals import repository

if TYPE_CHECKING:
    from tradewind.context import AppContext

log = logging.getLogger("tradewind.signals")

# Ledger rows only need to outlive the longest retry of a flush (a database outage).
LEDGER_RETENTION = timedelta(days=7)
# The first pruning waits until start-up (snapshot load, first requests) is over.
PRUNE_START_DELAY_SECONDS = 60.0
FINAL_FLUSH_TIMEOUT_SECONDS = 10.0


async def flush_loop(ctx: AppContext) -> None:
    """Flush every interval; a failed flush keeps its batches for the next one."""
    while True:
        await asyncio.sleep(ctx.settings.signals_flush_interval_seconds)
        await ctx.signals.flush()


async def final_flush(ctx: AppContext) -> None:
    """The shutdown flush; bounded, so an unreachable database cannot hold the shutdown."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(ctx.signals.flush(), FINAL_FLUSH_TIMEOUT_SECONDS)
    if ctx.signals.held_batches:
        log.error("signals: %d batches could not be written at shutdown", ctx.signals.held_batches)


async def prune_once(db: Database, settings: Settings) -> int:
    """Delete roll-ups past their retention. Stateless: safe to run anywhere, any time."""
    now = utcnow()
    cutoffs = {
        "minute": now - timedelta(hours=settings.signals_minute_retention_hours),
        "hour": now - timedelta(days=settings.signals_hour_retention_days),
        "day": now - timedelta(days=settings.signals_retention_days),
    }
    async with db.unit_of_work() as session:
        return await repository.prune(session, cutoffs, now - LEDGER_RETENTION)


async def prune_loop(ctx: AppContext) -> None:
    """Prune a minute after start and then every interval; a restart simply runs it again."""
    await asyncio.sleep(min(PRUNE_START_DELAY_SECONDS, ctx.settings.signals_prune_interval_seconds))
    while True:
        try:
            deleted = await prune_once(ctx.db, ctx.settings)
            if deleted:
                log.info("signals: pruned %d roll-up rows", deleted)
        except Exception:  # database down: try again next interval
            log.exception("signals: pruning failed")
        await asyncio.sleep(ctx.settings.signals_prune_interval_seconds)
