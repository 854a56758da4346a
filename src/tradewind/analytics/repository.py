"""Queries over the signal roll-ups (`signal_counts`, `signal_sketches`) and releases."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.analytics.stats import Outcomes
from tradewind.models import Package, Release
from tradewind.models.signals import SignalCount, SignalSketch
from tradewind.signals.model import Metric


@dataclass(frozen=True, slots=True)
class CountRow:
    bucket: datetime
    metric: str
    release_id: int
    package_version: str
    count: int


@dataclass(frozen=True, slots=True)
class SketchRow:
    bucket: datetime
    release_id: int
    package_version: str
    sketch: bytes


# Every flush adds to the minute, hour and day spans alike: all-time totals read the day rows.
ALL_TIME_SPAN = "day"
OUTCOME_METRICS = (
    Metric.DOWNLOAD_COMPLETED,
    Metric.DOWNLOAD_FAILED,
    Metric.INSTALL_SUCCEEDED,
    Metric.INSTALL_FAILED,
    Metric.ROLLBACK,
)


async def release_totals(session: AsyncSession, app_id: int, release_id: int) -> dict[str, int]:
    """Every metric's all-time total for one release (metrics never counted are absent)."""
    c = SignalCount
    query = (
        select(c.metric, func.sum(c.count))
        .where(c.app_id == app_id, c.span == ALL_TIME_SPAN, c.release_id == release_id)
        .group_by(c.metric)
    )
    return {metric: int(total or 0) for metric, total in (await session.execute(query)).all()}


def outcomes_of(totals: Mapping[str, int]) -> Outcomes:
    return Outcomes(
        downloads=totals.get(Metric.DOWNLOAD_COMPLETED, 0),
        download_failures=totals.get(Metric.DOWNLOAD_FAILED, 0),
        installs=totals.get(Metric.INSTALL_SUCCEEDED, 0),
        install_failures=totals.get(Metric.INSTALL_FAILED, 0),
        rollbacks=totals.get(Metric.ROLLBACK, 0),
    )


async def release_outcomes(session: AsyncSession, app_id: int, release_id: int) -> Outcomes:
    """Downloads, installs, failures and rollbacks devices reported for a release, all time."""
    return outcomes_of(await release_totals(session, app_id, release_id))


async def count_rows(
    session: AsyncSession,
    app_id: int,
    span: str,
    since: datetime,
    until: datetime,
    metrics: Collection[str],
    release_id: int | None = None,
) -> list[CountRow]:
    """Counts per bucket, metric, release and package version in [since, until)."""
    c = SignalCount
    query = select(c.bucket, c.metric, c.release_id, c.package_version, c.count).where(
        c.app_id == app_id,
        c.span == span,
        c.bucket >= since,
        c.bucket < until,
        c.metric.in_(tuple(metrics)),
    )
    if release_id is not None:
        query = query.where(c.release_id == release_id)
    rows = await session.execute(query)
    return [CountRow(b, m, r, v, int(n)) for b, m, r, v, n in rows.all()]


async def sketch_rows(
    session: AsyncSession,
    app_id: int,
    span: str,
    since: datetime,
    until: datetime,
    *,
    release_id: int | None = None,
    package_version: str | None = None,
) -> list[SketchRow]:
    """Distinct-device sketches per bucket, release and package version in [since, until)."""
    s = SignalSketch
    query = select(s.bucket, s.release_id, s.package_version, s.sketch).where(
        s.app_id == app_id, s.span == span, s.bucket >= since, s.bucket < until
    )
    if release_id is not None:
        query = query.where(s.release_id == release_id)
    if package_version is not None:
        query = query.where(s.package_version == package_version)
    rows = await session.execute(query)
    return [SketchRow(b, r, v, bytes(sketch)) for b, r, v, sketch in rows.all()]


async def package_version_of(session: AsyncSession, release: Release) -> int:
    version = await session.scalar(select(Package.version).where(Package.id == release.package_id))
    return int(version or 0)


async def same_target_predecessor(session: AsyncSession, release: Release) -> Release | None:
    """The release of the same target and channel this one replaces (or would replace).

    Never concluded (created, in progress, paused, discarded): the current concluded baseline
    of its target. Concluded or superseded: the newest of its target concluded before it.
    """
    query = select(Release).where(
        Release.app_id == release.app_id,
        Release.channel == release.channel,
        Release.target_key == release.target_key,
        Release.id != release.id,
        Release.concluded_at.is_not(None),
    )
    if release.concluded_at is None:
        query = query.where(Release.status == "concluded")
    else:
        query = query.where(
            Release.status.in_(("concluded", "superseded")),
            Release.concluded_at <= release.concluded_at,
            Release.id < release.id,
        )
    query = query.order_by(Release.concluded_at.desc(), Release.id.desc()).limit(1)
    return await session.scalar(query)


async def concluded_in_channel(session: AsyncSession, release: Release) -> list[Release]:
    """The concluded releases of the release's channel other than itself."""
    query = select(Release).where(
        Release.app_id == release.app_id,
        Release.channel == release.channel,
        Release.status == "concluded",
        Release.id != release.id,
    )
    return list(await session.scalars(query))
