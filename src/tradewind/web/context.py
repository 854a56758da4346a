"""Process-wide objects shared by the API, the device path and background tasks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from tradewind.accounts.ratelimit import FailureCounter
from tradewind.db import Database
from tradewind.oidc.registry import OIDCRegistry, oidc_readiness, oidc_refresh_loop
from tradewind.outbox.service import run_drain
from tradewind.serving import setup as serving
from tradewind.serving.store import SnapshotStore
from tradewind.settings import Settings
from tradewind.storage.base import BlobStore
from tradewind.storage.factory import create_blob_store

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


@dataclass
class AppContext:
    settings: Settings
    db: Database
    login_ip_failures: FailureCounter
    blob_store: BlobStore
    # Long-running loops started with the server (outbox drain, snapshot refresh, ...).
    background: list[BackgroundTask] = field(default_factory=lambda: [_cleanup_outbox_drain])
    # Awaited once, in order, before the server takes requests (e.g. the first snapshot load).
    startup: list[BackgroundTask] = field(default_factory=list)
    # Single sign-on providers, their cached keys and health (tradewind.oidc), set by create().
    oidc: OIDCRegistry = field(init=False)
    # The device path's compiled snapshots (tradewind.serving), set by create().
    snapshots: SnapshotStore = field(init=False)
    # Named readiness checks; each returns "ok" or a short reason.
    checks: dict[str, ReadinessCheck] = field(default_factory=lambda: {"database": _database_check})

    async def readiness(self) -> dict[str, str]:
        return {name: await check(self) for name, check in self.checks.items()}

    @classmethod
    def create(cls, settings: Settings) -> AppContext:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        ctx = cls(
            settings=settings,
            db=Database(settings.resolved_database_url),
            login_ip_failures=FailureCounter(
                settings.login_max_failures_per_ip, settings.login_failure_window_seconds
            ),
            blob_store=create_blob_store(settings),
        )
        ctx.snapshots = serving.create_store(settings, ctx.db, ctx.blob_store)
        ctx.startup.append(serving.load_snapshots)
        ctx.background.append(serving.watch_snapshots)
        ctx.checks["snapshots"] = serving.snapshots_check
        ctx.oidc = OIDCRegistry(settings, ctx.db)
        if ctx.oidc.enabled:
            ctx.background.append(oidc_refresh_loop)
            ctx.checks["oidc"] = oidc_readiness
        return ctx
