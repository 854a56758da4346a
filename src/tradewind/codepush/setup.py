"""Wiring of CodePush into the process: snapshot store, its watcher, the diff builder."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradewind.assets.handler import asset_base_url
from tradewind.codepush.diffs import run_builder
from tradewind.codepush.handler import CodePushHandler
from tradewind.codepush.publish import Storage
from tradewind.codepush.store import CodePushStore, watch
from tradewind.signals.ratelimit import TokenBuckets

if TYPE_CHECKING:
    from tradewind.context import AppContext

MAX_REPORT_BODY = 16 * 1024
DIFF_INTERVAL_SECONDS = 1.0


def install(ctx: AppContext) -> None:
    base = asset_base_url(ctx.settings)
    store = ctx.blob_store

    def url_for(key: str) -> str:
        return store.device_url(key, base)

    ctx.codepush = CodePushStore(db=ctx.db, url_for=url_for, url_ttl_seconds=store.url_ttl_seconds)
    # Reports per client address, at the rate of device event ingest (each process on its own).
    settings = ctx.settings
    ctx.codepush_reports = TokenBuckets(settings.ingest_rate_per_second, settings.ingest_rate_burst)
    ctx.startup.append(_load)
    ctx.background += [_watch, _diff_builder]


async def _load(ctx: AppContext) -> None:
    try:
        await ctx.codepush.refresh()
    except Exception:  # the watcher retries; devices get 503 until the first load
        ctx.codepush.last_error = "not loaded"


async def _watch(ctx: AppContext) -> None:
    await watch(ctx.codepush, ctx.settings.snapshot_poll_interval_seconds)


async def _diff_builder(ctx: AppContext) -> None:
    await run_builder(storage_of(ctx), DIFF_INTERVAL_SECONDS)


def storage_of(ctx: AppContext) -> Storage:
    return Storage(ctx.db, ctx.blob_store, ctx.settings)


def handler(ctx: AppContext) -> CodePushHandler:
    signals = ctx.signals if ctx.settings.signals_enabled else None
    header = ctx.settings.ingest_client_address_header
    counts = ctx.device_tally.counts_for("codepush") if ctx.settings.metrics_enabled else None
    return CodePushHandler(
        ctx.codepush, signals, ctx.codepush_reports, MAX_REPORT_BODY, header, counts
    )
