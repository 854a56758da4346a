"""Adoption and health rules: which release a release is compared with, and its figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final, cast

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.analytics import repository as repo
from tradewind.analytics.aggregate import health_series, versions_adoption
from tradewind.analytics.schemas import (
    AdoptionOut,
    BaselineOut,
    FailureFiguresOut,
    HealthPointOut,
    ReleaseHealthOut,
    UndefinedKeyOut,
)
from tradewind.analytics.sketches import distinct_devices
from tradewind.analytics.stats import Outcomes, wilson_interval
from tradewind.analytics.timeline import (
    STEPS,
    AdoptionPoint,
    Span,
    bucket_count,
    bucket_starts,
    floor,
    time_to_share,
)
from tradewind.dimensions import repository as dimensions_repo
from tradewind.errors import BadRequest
from tradewind.models import Release
from tradewind.releases.content import conditions_of
from tradewind.releases.schemas import Status
from tradewind.releases.service import get_release
from tradewind.signals.model import Metric
from tradewind.targeting.resolution import target_weight

MAX_BUCKETS: Final = 1000
MAX_HOURLY_SERIES: Final = 14 * 24  # a release's series switches to day buckets beyond
DEFAULT_WINDOWS: Final[dict[str, timedelta]] = {
    "minute": timedelta(hours=1),
    "hour": timedelta(hours=24),
    "day": timedelta(days=30),
}
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
FAR: Final = datetime(9999, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(9000, 1, 1, tzinfo=UTC)  # leaves room for bucket arithmetic


async def baseline_release(session: AsyncSession, release: Release) -> Release | None:
    """The release devices of this release's audience get when they are outside its rollout.

    1. The release of the same application, channel and exact target that this one supersedes
       (or would supersede when concluded): for a release that never concluded, the current
       concluded release of its target; for a concluded (or superseded) one, the newest release
       of its target concluded before it.
    2. Without one, the release the resolver falls back to for a device that matches this
       release's target: among the channel's concluded releases whose conditions are all among
       this release's own conditions (an empty target matches everyone), the most specific
       (highest target weight), then the most recently concluded. Releases with partly
       overlapping targets are not considered, so this is a best effort for the typical device.
    """
    predecessor = await repo.same_target_predecessor(session, release)
    if predecessor is not None:
        return predecessor
    own = set(conditions_of(release.target))
    broader = [
        other
        for other in await repo.concluded_in_channel(session, release)
        if other.target_key != release.target_key and set(conditions_of(other.target)) <= own
    ]
    if not broader:
        return None
    dimensions = await dimensions_repo.list_for_app(session, release.app_id)
    positions = {d.name: d.position for d in dimensions}
    return max(broader, key=lambda r: _precedence(r, positions))


def _precedence(release: Release, positions: dict[str, int]) -> tuple[int, float, int]:
    try:
        weight = target_weight(conditions_of(release.target), positions)
    except ValueError:  # a dimension without position: rank it last
        weight = -1
    concluded = release.concluded_at.timestamp() if release.concluded_at else 0.0
    return (weight, concluded, release.id)


async def adoption(
    session: AsyncSession,
    app_id: int,
    span: Span,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
) -> AdoptionOut:
    """Checks and distinct devices per package version and bucket of `span` in [since, until).

    Defaults: until now, since one default window before until. Refused (400): since not
    before until, or a time outside 1970..9000 (`invalid_time_range`); more than MAX_BUCKETS
    buckets (`too_many_buckets`).
    """
    until = _utc(until) if until is not None else now
    if not EPOCH <= until < LATEST or (since is not None and not EPOCH <= _utc(since) < LATEST):
        raise BadRequest(
            f"times must lie between {EPOCH:%Y} and {LATEST:%Y}", code="invalid_time_range"
        )
    since = _utc(since) if since is not None else until - DEFAULT_WINDOWS[span]
    if since >= until:
        raise BadRequest("since must be before until", code="invalid_time_range")
    count = bucket_count(since, until, span)
    if count > MAX_BUCKETS:
        raise BadRequest(
            f"{count} {span} buckets asked; at most {MAX_BUCKETS}: shorten the window or use a "
            "longer span",
            code="too_many_buckets",
            details={"buckets": count, "max_buckets": MAX_BUCKETS},
        )
    buckets = bucket_starts(since, until, span)
    metrics = (Metric.CHECK, Metric.CHECK_ANONYMOUS)
    counts = await repo.count_rows(session, app_id, span, buckets[0], until, metrics)
    sketches = await repo.sketch_rows(session, app_id, span, buckets[0], until)
    versions, unions = versions_adoption(buckets, counts, sketches)
    total = sum(row.count for row in counts if row.metric == Metric.CHECK)
    anonymous = sum(row.count for row in counts if row.metric == Metric.CHECK_ANONYMOUS)
    undefined = await repo.count_rows(
        session, app_id, span, buckets[0], until, (Metric.UNDEFINED_KEY,)
    )
    return AdoptionOut(
        span=span,
        since=since,
        until=until,
        buckets=buckets,
        versions=versions,
        active_devices=[unions.estimate(("bucket", bucket)) for bucket in buckets],
        total_active_devices=unions.estimate(("all",)),
        total_checks=total,
        anonymous_checks=anonymous,
        anonymous_share=anonymous / total if total else None,
        undefined_keys=_by_key(undefined),
    )


def failure_figures(outcomes: Outcomes) -> FailureFiguresOut:
    low, high = wilson_interval(outcomes.failures, outcomes.trials)
    return FailureFiguresOut(
        downloads=outcomes.downloads,
        download_failures=outcomes.download_failures,
        installs=outcomes.installs,
        install_failures=outcomes.install_failures,
        rollbacks=outcomes.rollbacks,
        failures=outcomes.failures,
        trials=outcomes.trials,
        failure_rate=outcomes.rate,
        failure_rate_low=low,
        failure_rate_high=high,
    )


def _by_key(rows: list[repo.CountRow]) -> list[UndefinedKeyOut]:
    """UNDEFINED_KEY rows hold the key in their package_version column."""
    totals: dict[str, int] = {}
    for row in rows:
        totals[row.package_version] = totals.get(row.package_version, 0) + row.count
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [UndefinedKeyOut(key=key, checks=checks) for key, checks in ranked]


async def release_health(
    session: AsyncSession, app_id: int, release_id: int, now: datetime
) -> ReleaseHealthOut:
    """Adoption, outcomes and failure rate of a release, next to its baseline's."""
    release = await get_release(session, app_id, release_id)
    version = await repo.package_version_of(session, release)
    totals = await repo.release_totals(session, app_id, release.id)
    outcomes = repo.outcomes_of(totals)
    checks = totals.get(Metric.CHECK, 0)
    anonymous = totals.get(Metric.CHECK_ANONYMOUS, 0)
    baseline = await _baseline_figures(session, release)
    span, series = await _series(session, release, str(version), now)
    started = release.started_at
    return ReleaseHealthOut(
        release_id=release.id,
        status=cast(Status, release.status),
        percentage=release.rollout_bp / 100,
        channel=release.channel,
        package_version=version,
        started_at=started,
        concluded_at=release.concluded_at,
        checks=checks,
        anonymous_checks=anonymous,
        anonymous_share=anonymous / checks if checks else None,
        audience_anonymous_share=_audience_share(checks, anonymous, baseline),
        devices=await _devices_served(session, release),
        devices_running=await _devices_running(session, release, str(version)),
        figures=failure_figures(outcomes),
        baseline=baseline,
        failure_rate_difference=_difference(outcomes, baseline),
        time_to_50_seconds=_time_to(series, started, 0.5, span, now),
        time_to_90_seconds=_time_to(series, started, 0.9, span, now),
        series_span=span,
        series=series,
    )


async def _baseline_figures(session: AsyncSession, release: Release) -> BaselineOut | None:
    baseline = await baseline_release(session, release)
    if baseline is None:
        return None
    totals = await repo.release_totals(session, baseline.app_id, baseline.id)
    return BaselineOut(
        release_id=baseline.id,
        status=cast(Status, baseline.status),
        package_version=await repo.package_version_of(session, baseline),
        checks=totals.get(Metric.CHECK, 0),
        anonymous_checks=totals.get(Metric.CHECK_ANONYMOUS, 0),
        figures=failure_figures(repo.outcomes_of(totals)),
    )


def _audience_share(checks: int, anonymous: int, baseline: BaselineOut | None) -> float | None:
    if baseline is not None:
        checks, anonymous = checks + baseline.checks, anonymous + baseline.anonymous_checks
    return anonymous / checks if checks else None


def _difference(outcomes: Outcomes, baseline: BaselineOut | None) -> float | None:
    if baseline is None or not outcomes.trials or not baseline.figures.trials:
        return None
    return outcomes.rate - baseline.figures.failure_rate


async def _devices_served(session: AsyncSession, release: Release) -> int:
    rows = await repo.sketch_rows(session, release.app_id, "day", EPOCH, FAR, release_id=release.id)
    return distinct_devices(row.sketch for row in rows)


async def _devices_running(session: AsyncSession, release: Release, version: str) -> int:
    if release.started_at is None:
        return 0
    since = floor(release.started_at, "day")
    rows = await repo.sketch_rows(
        session, release.app_id, "day", since, FAR, package_version=version
    )
    return distinct_devices(row.sketch for row in rows)


async def _series(
    session: AsyncSession, release: Release, version: str, now: datetime
) -> tuple[Span, list[HealthPointOut]]:
    """Hour buckets since the release started; day buckets once that is too many."""
    if release.started_at is None or release.started_at >= now:
        return "hour", []
    since = release.started_at
    span: Span = "hour" if bucket_count(since, now, "hour") <= MAX_HOURLY_SERIES else "day"
    since = max(since, now - MAX_BUCKETS * STEPS[span])
    buckets = bucket_starts(since, now, span)
    metrics = (Metric.CHECK, *repo.OUTCOME_METRICS)
    counts = await repo.count_rows(
        session, release.app_id, span, buckets[0], now, metrics, release_id=release.id
    )
    sketches = await repo.sketch_rows(session, release.app_id, span, buckets[0], now)
    return span, health_series(buckets, counts, sketches, version)


def _time_to(
    series: list[HealthPointOut], started: datetime | None, share: float, span: Span, now: datetime
) -> float | None:
    if started is None:
        return None
    points = [AdoptionPoint(p.bucket, p.running, p.active) for p in series]
    return time_to_share(points, started, share, span, now)


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are read as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
