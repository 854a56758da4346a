"""Process-wide objects shared by the API, the device path and background tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from tradewind.accounts.ratelimit import FailureCounter
from tradewind.cdn import setup as cdn
from tradewind.codepush import setup as codepush
from tradewind.codepush.store import CodePushStore
from tradewind.compression.service import run_compressor
from tradewind.db import Database
from tradewind.expo import setup as expo
from tradewind.files.activity import UploadActivity
from tradewind.guards.evaluator import run_guard_loop
from tradewind.keys import setup as keys
from tradewind.keys.keyring import Keyring
from tradewind.metrics import setup as metrics
from tradewind.metrics.devices import DeviceTally
from tradewind.oidc.registry import OIDCRegistry, oidc_readiness, oidc_refresh_loop
from tradewind.outbox.leftovers import run_sweeps
from tradewind.outbox.service import run_drain
from tradewind.runtime.rundir import shutdown_check
from tradewind.serving import setup as serving
from tradewind.serving.store import SnapshotStore
from tradewind.settings import Settings
from tradewind.signals import setup as signals
from tradewind.signals.ratelimit import TokenBuckets
from tradewind.signals.recorder import SignalRecorder
from tradewind.storage.base import BlobStore
from tradewind.storage.factory import create_blob_store
from tradewind.webhooks import setup as webhooks

BackgroundTask = Callable[["AppContext"], Coroutine[Any, Any, None]]
ReadinessCheck = Callable[["AppContext"], Awaitable[str]]


async def _database_check(ctx: AppContext) -> str:
    try:
        await ctx.db.ping()
    except Exception as exc:  # any driver error means "not ready"
        return f"unavailable: {type(exc).__name__}"
    return "ok"


async def _cleanup_outbox_drain(ctx: AppContext) -> None:
    await run_drain(ctx.db, ctx.blob_store, ctx.settings)


async def _rollout_guard(ctx: AppContext) -> None:
    await run_guard_loop(ctx.db, ctx.settings.guard_interval_seconds)


async def _compressor(ctx: AppContext) -> None:
    await run_compressor(ctx.db, ctx.blob_store, ctx.settings, ctx.uploads)


async def _leftover_sweeps(ctx: AppContext) -> None:
    await run_sweeps(ctx.settings, ctx.blob_store)


def _outcome(task: asyncio.Future[str]) -> str:
    if not task.done():
        return "unavailable: no answer"
    if task.cancelled():
        return "unavailable: cancelled"
    if (error := task.exception()) is not None:
        return f"unavailable: {type(error).__name__}"
    return task.result()


@dataclass
class AppContext:
    settings: Settings
    db: Database
    login_ip_failures: FailureCounter
    blob_store: BlobStore
    # Long-running loops started with the server (outbox drain, snapshot refresh, ...).
    background: list[BackgroundTask] = field(
        default_factory=lambda: [_cleanup_outbox_drain, _leftover_sweeps]
    )
    # Awaited once, in order, before the server takes requests (e.g. the first snapshot load).
    startup: list[BackgroundTask] = field(default_factory=list)
    # Awaited once, in order, after the background loops stopped (e.g. the last signals flush).
    shutdown: list[BackgroundTask] = field(default_factory=list)
    # Device signal counters (tradewind.signals), flushed in the background; set by create().
    signals: SignalRecorder = field(init=False)
    # Per-client rate limit of POST /analytics/events; set by create().
    ingest_limits: TokenBuckets = field(init=False)
    # Single sign-on providers, their cached keys and health (tradewind.oidc), set by create().
    oidc: OIDCRegistry = field(init=False)
    # The device path's compiled snapshots (tradewind.serving), set by create().
    snapshots: SnapshotStore = field(init=False)
    # Seals and opens stored secrets (tradewind.keys); set by create().
    keyring: Keyring = field(init=False)
    # CodePush device snapshots and the report rate limit (tradewind.codepush), set by create().
    codepush: CodePushStore = field(init=False)
    codepush_reports: TokenBuckets = field(init=False)
    # The Expo Updates routes' snapshots and bundle patches (tradewind.expo), set by create().
    expo: expo.ExpoRuntime = field(init=False)
    # Named readiness checks; each returns "ok" or a short reason.
    checks: dict[str, ReadinessCheck] = field(default_factory=lambda: {"database": _database_check})
    # Device checks counted by the device handlers, published to /metrics (tradewind.metrics).
    device_tally: DeviceTally = field(default_factory=DeviceTally)
    # Uploads in flight; the compressor waits for them (tradewind.files.activity).
    uploads: UploadActivity = field(default_factory=UploadActivity)

    # Checks still running from an earlier probe (a frozen database): awaited, not repeated.
    _running_checks: dict[str, asyncio.Future[str]] = field(default_factory=dict)

    async def readiness(self) -> dict[str, str]:
        """Every check's answer within `readiness_timeout_seconds`; a check that has not
        answered by then reports "unavailable: no answer" and keeps running in the
        background (bounded by the database timeouts) for the next probe to pick up."""
        for name, check in self.checks.items():
            if name not in self._running_checks or self._running_checks[name].done():
                self._running_checks[name] = asyncio.ensure_future(check(self))
        tasks = dict(self._running_checks)
        await asyncio.wait(tasks.values(), timeout=self.settings.readiness_timeout_seconds)
        return {name: _outcome(task) for name, task in tasks.items()}

    @classmethod
    def create(cls, settings: Settings) -> AppContext:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        keyring = keys.keyring_for(settings)
        settings = keys.reveal_settings(settings, keyring)  # `enc:` secrets, decrypted
        ctx = cls(
            settings=settings,
            db=Database.for_settings(settings),
            login_ip_failures=FailureCounter(
                settings.login_max_failures_per_ip, settings.login_failure_window_seconds
            ),
            blob_store=create_blob_store(settings),
        )
        ctx.keyring = keyring
        ctx.startup.append(keys.verify_keyring)  # before anything reads a stored secret
        ctx.signals = SignalRecorder(ctx.db)
        ctx.ingest_limits = TokenBuckets(
            settings.ingest_rate_per_second, settings.ingest_rate_burst
        )
        if settings.signals_enabled:
            ctx.background += [signals.flush_loop, signals.prune_loop]
            ctx.shutdown.append(signals.final_flush)
        ctx.background.append(_rollout_guard)
        purge = settings.cdn_purge_provider != "none"
        on_change = cdn.change_hook(ctx.db) if purge else None
        ctx.snapshots = serving.create_store(
            settings, ctx.db, ctx.blob_store, ctx.keyring, on_change
        )
        if purge:
            ctx.background.append(cdn.purge_loop)
        ctx.startup.append(serving.load_snapshots)
        ctx.background.append(serving.watch_snapshots)
        ctx.checks["snapshots"] = serving.snapshots_check
        ctx.expo = expo.create(settings, ctx.db, ctx.blob_store, ctx.snapshots, ctx.keyring)
        ctx.startup.append(expo.load)
        ctx.background.append(expo.watch)
        if settings.compression_enabled:
            ctx.background.append(_compressor)
        codepush.install(ctx)
        ctx.oidc = OIDCRegistry(settings, ctx.db)
        if ctx.oidc.enabled:
            ctx.background.append(oidc_refresh_loop)
            ctx.checks["oidc"] = oidc_readiness
        if settings.metrics_enabled:
            ctx.background.append(metrics.sync_loop)
            ctx.shutdown.append(metrics.final_publish)
        ctx.background.append(webhooks.delivery_loop)
        ctx.checks["shutdown"] = shutdown_check
        return ctx
