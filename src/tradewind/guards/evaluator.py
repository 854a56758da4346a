"""The guard's background loop: judge every guarded in-progress release, pause the bad ones,
ramp the healthy ones on their schedule.

Safe with any number of processes: a release is first judged without a lock; only when
something is to be done does the evaluator take the application's row lock (the same lock
every release write takes), re-read the release and judge it again, so a second process
finds it already paused (or already ramped) and does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.roles import Role
from tradewind.access.service import AppAccess
from tradewind.analytics.repository import release_outcomes
from tradewind.analytics.service import baseline_release
from tradewind.audit.service import SystemActor
from tradewind.db import Database, save_rows
from tradewind.guards import repository as repo
from tradewind.guards.decision import Baseline, Limits, Verdict, judge, next_ramp_step
from tradewind.guards.service import guard_in_force, limits_of
from tradewind.metrics.registry import GUARD_TRIPS
from tradewind.models import Organisation, Release
from tradewind.models.base import utcnow
from tradewind.models.guards import GuardTrip
from tradewind.releases import repository as releases_repo
from tradewind.releases import service as releases

log = logging.getLogger("tradewind.guards")

GUARD = SystemActor("guard")


@dataclass(frozen=True, slots=True)
class Step:
    """What the guard does to one release in one pass."""

    release_id: int
    action: Literal["pause", "ramp"]
    verdict: Verdict
    percentage: int | None = None


async def evaluate_all(db: Database, now: datetime | None = None) -> list[Step]:
    """One pass over every guarded in-progress release; returns what was done."""
    async with db.unit_of_work() as session:
        candidates = [(r.app_id, r.id) for r, _, _ in await repo.guarded_in_progress(session)]
    done = []
    for app_id, release_id in candidates:
        try:
            async with db.unit_of_work() as session:
                step = await evaluate_release(session, app_id, release_id, now or utcnow())
        except Exception:  # one bad release must not stop the guard for the others
            log.exception("rollout guard failed on release %s", release_id)
            continue
        if step is not None:
            done.append(step)
            if step.action == "pause":
                GUARD_TRIPS.inc()
    return done


async def evaluate_release(
    session: AsyncSession, app_id: int, release_id: int, now: datetime
) -> Step | None:
    if await _plan(session, app_id, release_id, now) is None:
        return None
    app = await releases_repo.lock_app(session, app_id)
    step = await _plan(session, app_id, release_id, now)  # again, under the lock
    if step is None:
        return None
    org = await session.get(Organisation, app.org_id)
    assert org is not None
    access = AppAccess(org=org, app=app, role=Role.WRITE)
    if step.action == "pause":
        await _pause(session, access, step)
    else:
        await _ramp(session, access, step)
    return step


async def _plan(session: AsyncSession, app_id: int, release_id: int, now: datetime) -> Step | None:
    release = await releases_repo.release_by_id(session, app_id, release_id, fresh=True)
    if release is None or release.status != "in_progress":
        return None
    _, row = await guard_in_force(session, release)
    if row is None:
        return None
    limits = limits_of(row)
    outcomes = await release_outcomes(session, app_id, release.id)
    baseline = None
    if outcomes.trials >= limits.min_sample and limits.max_excess is not None:
        baseline = await _baseline(session, release)
    verdict = judge(limits, outcomes, baseline)
    if verdict.tripped:
        return Step(release.id, "pause", verdict)
    if verdict.enough_data and await _ramp_due(session, release, limits, now):
        return Step(release.id, "ramp", verdict, next_ramp_step(limits, release.rollout_bp))
    return None


async def _baseline(session: AsyncSession, release: Release) -> Baseline | None:
    baseline = await baseline_release(session, release)
    if baseline is None:
        return None
    return Baseline(baseline.id, await release_outcomes(session, release.app_id, baseline.id))


async def _ramp_due(session: AsyncSession, release: Release, limits: Limits, now: datetime) -> bool:
    if limits.ramp_interval_seconds is None or next_ramp_step(limits, release.rollout_bp) is None:
        return False
    last = await repo.last_ramp_at(session, release) or release.started_at or release.created_at
    return now - last >= timedelta(seconds=limits.ramp_interval_seconds)


async def _pause(session: AsyncSession, access: AppAccess, step: Step) -> None:
    verdict = step.verdict
    assert verdict.reason is not None
    details = {"reason": verdict.reason, "guard": verdict.figures}
    await releases.transition(session, GUARD, access, step.release_id, "pause", details=details)
    trip = GuardTrip(
        release_id=step.release_id,
        app_id=access.app.id,
        reason=verdict.reason,
        figures=verdict.figures,
    )
    await save_rows(session, trip)
    log.warning(
        "rollout guard paused release %s (%s): %s", step.release_id, verdict.reason, verdict.figures
    )


async def _ramp(session: AsyncSession, access: AppAccess, step: Step) -> None:
    assert step.percentage is not None
    details = {"reason": "scheduled_ramp", "guard": step.verdict.figures}
    await releases.transition(
        session,
        GUARD,
        access,
        step.release_id,
        "ramp",
        Decimal(step.percentage),
        details=details,
    )
    log.info("rollout guard ramped release %s to %s%%", step.release_id, step.percentage)


async def run_guard_loop(db: Database, interval_seconds: float) -> None:
    """The background loop: sleep, evaluate; never dies."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            await evaluate_all(db)
        except Exception:
            log.exception("rollout guard pass failed")
