"""Telling "the database is unreachable" apart from bugs, and logging it once per change.

A stopped, frozen or saturated database must answer 503 `database_unavailable` (with
Retry-After), not a 500 and a traceback per request: requests report the failure here, and
only the transitions (available → unavailable → available) are logged.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import exc as sa_exc

from tradewind.errors import DatabaseUnavailable

log = logging.getLogger("tradewind.database")

# SQLSTATE classes of a server that cannot serve: connection exception, insufficient
# resources, operator intervention (incl. statement timeout), system error.
UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57", "58"})
DRIVER_MODULES = ("sqlalchemy.", "asyncpg.", "aiosqlite.", "sqlite3")


def _raised_by_driver(error: BaseException) -> bool:
    """True when the traceback runs through the database stack (not our own file I/O)."""
    tb = error.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(DRIVER_MODULES):
            return True
        tb = tb.tb_next
    return False


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached or did not answer in time."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection within pool_timeout
        return True
    if isinstance(error, sa_exc.DBAPIError):
        sqlstate = str(getattr(error.orig, "sqlstate", None) or "")
        if error.connection_invalidated or sqlstate[:2] in UNAVAILABLE_SQLSTATE_CLASSES:
            return True
        # SQLite's OperationalError: locked past the busy timeout, or the file is unusable.
        return isinstance(error, sa_exc.OperationalError) and not sqlstate
    if isinstance(error, (OSError, TimeoutError)):
        return _raised_by_driver(error)
    return False


def _describe(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


class Availability:
    """Whether the database answered last time; logs only when that changes."""

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = retry_after_seconds
        self._down_since: float | None = None

    @property
    def is_down(self) -> bool:
        return self._down_since is not None

    def failed(self, error: BaseException) -> DatabaseUnavailable:
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.error("database unavailable (%s); answering 503 until it is back", _describe(error))
        return DatabaseUnavailable(
            "the database is unavailable; try again shortly",
            details={"retry_after_seconds": self.retry_after_seconds},
        )

    def succeeded(self) -> None:
        if self._down_since is not None:
            down_for = time.monotonic() - self._down_since
            self._down_since = None
            log.warning("database available again after %.1f s", down_for)
