"""Process-wide objects shared by the API, the device path and background tasks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from tradewind.accounts.ratelimit import FailureCounter
from tradewind.db import Database
from tradewind.settings import Settings

BackgroundTask = Callable[["AppContext"], Coroutine[Any, Any, None]]
ReadinessCheck = Callable[["AppContext"], Awaitable[str]]


async def _database_check(ctx: AppContext) -> str:
    try:
        await ctx.db.ping()
    except Exception as exc:  # any driver error means "not ready"
        return f"unavailable: {type(exc).__name__}"
    return "ok"


@dataclass
class AppContext:
    settings: Settings
    db: Database
    login_ip_failures: FailureCounter
    # Long-running loops started with the server (outbox drain, snapshot refresh, ...).
    background: list[BackgroundTask] = field(default_factory=list)
    # Named readiness checks; each returns "ok" or a short reason.
    checks: dict[str, ReadinessCheck] = field(default_factory=lambda: {"database": _database_check})

    async def readiness(self) -> dict[str, str]:
        return {name: await check(self) for name, check in self.checks.items()}

    @classmethod
    def create(cls, settings: Settings) -> AppContext:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            settings=settings,
            db=Database(settings.resolved_database_url),
            login_ip_failures=FailureCounter(
                settings.login_max_failures_per_ip, settings.login_failure_window_seconds
            ),
        )
