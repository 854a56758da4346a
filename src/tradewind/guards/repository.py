"""Queries for rollout guards, their trips, and the releases the evaluator watches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Application, AuditEvent, Organisation, Release
from tradewind.models.guards import AppGuard, GuardTrip, ReleaseGuard

# Audited release actions after which the scheduled ramp waits a full interval again.
RAMP_CLOCK_ACTIONS = ("release.ramp", "release.resume")


async def app_guard(session: AsyncSession, app_id: int) -> AppGuard | None:
    return await session.get(AppGuard, app_id, populate_existing=True)


async def release_guard(session: AsyncSession, release_id: int) -> ReleaseGuard | None:
    return await session.get(ReleaseGuard, release_id, populate_existing=True)


async def delete_app_guard(session: AsyncSession, app_id: int) -> bool:
    result = await session.execute(delete(AppGuard).where(AppGuard.app_id == app_id))
    return bool(getattr(result, "rowcount", 0))


async def delete_release_guard(session: AsyncSession, release_id: int) -> bool:
    result = await session.execute(
        delete(ReleaseGuard).where(ReleaseGuard.release_id == release_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def last_trip(session: AsyncSession, release_id: int) -> GuardTrip | None:
    query = (
        select(GuardTrip)
        .where(GuardTrip.release_id == release_id)
        .order_by(GuardTrip.id.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def guarded_in_progress(session: AsyncSession) -> list[tuple[Release, str, str]]:
    """In-progress releases (with org and app names) that have a guard of their own or whose
    application has a default guard."""
    own = select(ReleaseGuard.release_id).where(ReleaseGuard.release_id == Release.id)
    default = select(AppGuard.app_id).where(AppGuard.app_id == Release.app_id)
    query = (
        select(Release, Organisation.name, Application.name)
        .join(Application, Application.id == Release.app_id)
        .join(Organisation, Organisation.id == Application.org_id)
        .where(Release.status == "in_progress", own.exists() | default.exists())
        .order_by(Release.id)
    )
    return [(release, org, app) for release, org, app in await session.execute(query)]


async def last_ramp_at(session: AsyncSession, release: Release) -> datetime | None:
    """When the release was last ramped or resumed (by anyone), from its audit trail."""
    query = select(func.max(AuditEvent.created_at)).where(
        AuditEvent.app_id == release.app_id,
        AuditEvent.object_type == "release",
        AuditEvent.object_id == str(release.id),
        AuditEvent.action.in_(RAMP_CLOCK_ACTIONS),
    )
    return await session.scalar(query)
