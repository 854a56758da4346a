"""Password sign-in whose failure limit holds under concurrency.

Each attempt first *reserves* a slot on the account's failure counter with one atomic UPDATE
(so racing attempts cannot all read "4 failures" and all proceed), then checks the password
in a worker thread without holding a database connection, and finally releases the slot on
success. Without the right password, at most `login_max_failures_per_account` passwords are
checked per account per window, however many requests race.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tradewind.accounts import repository as repo
from tradewind.accounts.ratelimit import FailureCounter
from tradewind.accounts.repository import Reservation
from tradewind.accounts.security import verify_password
from tradewind.db import Database
from tradewind.errors import RateLimited, TradewindError, Unauthorized
from tradewind.models.base import utcnow
from tradewind.settings import Settings


def too_many(seconds: float) -> RateLimited:
    return RateLimited(
        "too many failed sign-in attempts; try again later",
        code="too_many_login_attempts",
        details={"retry_after_seconds": int(seconds) + 1},
    )


def _invalid() -> Unauthorized:
    return Unauthorized("wrong email or password", code="invalid_credentials")


async def _reserve(db: Database, settings: Settings, email: str) -> Reservation | None:
    """Count this attempt as a failure up front, unless the account is locked."""
    now = utcnow()
    stale_before = now - timedelta(seconds=settings.login_failure_window_seconds)
    limit = settings.login_max_failures_per_account
    async with db.unit_of_work() as session:
        return await repo.reserve_failure_slot(session, email, stale_before, limit, now)


async def _locked_for(db: Database, settings: Settings, email: str) -> float:
    """Seconds the account stays locked; 0 when it does not exist (or is not locked)."""
    async with db.unit_of_work() as session:
        last = await repo.last_failed_login(session, email)
    if last is None:
        return 0.0
    until = last + timedelta(seconds=settings.login_failure_window_seconds)
    return max(1.0, (until - utcnow()).total_seconds())


async def _release(db: Database, reservation: Reservation) -> None:
    """A success: forget the failures when no other attempt counted since, else only ours."""
    async with db.unit_of_work() as session:
        await repo.release_failure_slot(session, reservation)


async def check_password(
    db: Database,
    settings: Settings,
    ip_failures: FailureCounter,
    email: str,
    password: str,
    ip: str,
) -> int | TradewindError:
    """The user id when the password is right, else the error to answer with."""
    if (wait := ip_failures.blocked_for(ip)) > 0:
        return too_many(wait)
    ip_failures.record_failure(ip)  # reserved like the account slot; forgotten on success
    reservation = await _reserve(db, settings, email)
    if reservation is None and (wait := await _locked_for(db, settings, email)) > 0:
        return too_many(wait)
    stored = reservation.password_hash if reservation else None
    matches = await asyncio.to_thread(verify_password, stored, password)
    if reservation is None or reservation.disabled or not matches:
        return _invalid()
    await _release(db, reservation)
    ip_failures.forget_one(ip)
    return reservation.user_id
