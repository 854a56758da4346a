"""Setting, clearing and reading rollout guards (the evaluator is in `evaluator.py`).

A release is guarded by its own guard when it has one, else by its application's default
guard: changing the default changes it for every release that has none of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.audit.service import record
from tradewind.db import save_rows
from tradewind.errors import Conflict, ValidationFailed
from tradewind.guards import repository as repo
from tradewind.guards.decision import Limits, next_ramp_step
from tradewind.guards.schemas import GuardSettings
from tradewind.models import Release
from tradewind.models.guards import AppGuard, GuardLimits, GuardTrip, ReleaseGuard
from tradewind.releases.lifecycle import UNFINISHED
from tradewind.releases.service import get_release


@dataclass(frozen=True, slots=True)
class GuardView:
    """The guard in force on a release, where it comes from, and what it last did."""

    release: Release
    source: str  # release, app or none
    limits: GuardLimits | None
    last_trip: GuardTrip | None
    next_ramp_step: int | None


def limits_of(row: GuardLimits) -> Limits:
    return Limits(
        min_sample=row.min_sample,
        max_failure_rate=row.max_failure_rate,
        max_excess=row.max_excess,
        ramp_steps=tuple(row.ramp_steps or ()),
        ramp_interval_seconds=row.ramp_interval_seconds,
    )


async def guard_in_force(session: AsyncSession, release: Release) -> tuple[str, GuardLimits | None]:
    own = await repo.release_guard(session, release.id)
    if own is not None:
        return "release", own
    default = await repo.app_guard(session, release.app_id)
    return ("app", default) if default is not None else ("none", None)


async def release_guard_view(session: AsyncSession, app_id: int, release_id: int) -> GuardView:
    release = await get_release(session, app_id, release_id)
    source, limits = await guard_in_force(session, release)
    step = None
    if limits is not None and release.status in UNFINISHED:
        step = next_ramp_step(limits_of(limits), release.rollout_bp)
    return GuardView(release, source, limits, await repo.last_trip(session, release.id), step)


async def app_guard(session: AsyncSession, app_id: int) -> AppGuard | None:
    return await repo.app_guard(session, app_id)


async def set_app_guard(
    session: AsyncSession, principal: Principal, access: AppAccess, body: GuardSettings
) -> AppGuard:
    _check_ramp(body)
    guard = await repo.app_guard(session, access.app.id)
    if guard is None:
        guard = AppGuard(app_id=access.app.id)
    _apply(guard, body)
    await save_rows(session, guard)
    await _audit(session, principal, access, "guard.set", "application", access.app.id, body)
    return guard


async def clear_app_guard(session: AsyncSession, principal: Principal, access: AppAccess) -> None:
    if await repo.delete_app_guard(session, access.app.id):
        await _audit(session, principal, access, "guard.clear", "application", access.app.id)


async def set_release_guard(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    release_id: int,
    body: GuardSettings,
) -> ReleaseGuard:
    release = await _unfinished_release(session, access.app.id, release_id)
    _check_ramp(body)
    guard = await repo.release_guard(session, release.id)
    if guard is None:
        guard = ReleaseGuard(release_id=release.id, app_id=access.app.id)
    _apply(guard, body)
    await save_rows(session, guard)
    await _audit(session, principal, access, "guard.set", "release", release.id, body)
    return guard


async def clear_release_guard(
    session: AsyncSession, principal: Principal, access: AppAccess, release_id: int
) -> None:
    release = await get_release(session, access.app.id, release_id)
    if await repo.delete_release_guard(session, release.id):
        await _audit(session, principal, access, "guard.clear", "release", release.id)


async def _unfinished_release(session: AsyncSession, app_id: int, release_id: int) -> Release:
    release = await get_release(session, app_id, release_id)
    if release.status not in UNFINISHED:
        raise Conflict(
            f"release {release_id} is {release.status}; only a created, in-progress or paused "
            "release can get a guard",
            code="release_finished",
            details={"status": release.status},
        )
    return release


def _check_ramp(body: GuardSettings) -> None:
    steps = body.ramp_steps
    problem = None
    if steps is not None and any(not 1 <= step <= 100 for step in steps):
        problem = "ramp steps are percentages from 1 to 100"
    elif steps is not None and any(b <= a for a, b in pairwise(steps)):
        problem = "ramp steps must be strictly increasing"
    elif (steps is None) != (body.ramp_interval_seconds is None):
        problem = "ramp_steps and ramp_interval_seconds go together: give both or neither"
    if problem is not None:
        raise ValidationFailed(
            problem,
            code="invalid_ramp",
            details={"ramp_steps": steps, "ramp_interval_seconds": body.ramp_interval_seconds},
        )


def _apply(guard: GuardLimits, body: GuardSettings) -> None:
    guard.min_sample = body.min_sample
    guard.max_failure_rate = body.max_failure_rate
    guard.max_excess = body.max_excess
    guard.ramp_steps = list(body.ramp_steps) if body.ramp_steps is not None else None
    guard.ramp_interval_seconds = body.ramp_interval_seconds


async def _audit(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    action: str,
    object_type: str,
    object_id: int,
    body: GuardSettings | None = None,
) -> None:
    details = body.model_dump() if body is not None else {}
    await record(
        session,
        principal,
        action,
        object_type,
        object_id,
        org_id=access.org.id,
        app_id=access.app.id,
        details=details,
    )
