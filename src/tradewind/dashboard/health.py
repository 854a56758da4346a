"""Adoption and release-health figures for the dashboard pages, with their charts."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.analytics import service as analytics
from tradewind.analytics.schemas import AdoptionOut, ReleaseHealthOut
from tradewind.analytics.timeline import describe_duration
from tradewind.dashboard.charts import Interval, Line, interval_chart, line_chart
from tradewind.models.base import utcnow

CHART_VERSIONS = 6  # the newest versions get a line each; the others are left out


@dataclass(frozen=True)
class AdoptionView:
    figures: AdoptionOut
    devices_chart: Markup
    checks_chart: Markup


@dataclass(frozen=True)
class HealthView:
    figures: ReleaseHealthOut
    adoption_chart: Markup
    outcomes_chart: Markup
    rate_chart: Markup
    anonymous_warning: bool
    time_to_50: str | None
    time_to_90: str | None


def version_label(version: str) -> str:
    return f"package {version}" if version else "unknown"


async def app_adoption(session: AsyncSession, app_id: int) -> AdoptionView:
    """The last 24 hours by hour."""
    figures = await analytics.adoption(session, app_id, "hour", None, None, utcnow())
    shown = figures.versions[:CHART_VERSIONS]
    devices = [Line(version_label(v.package_version), v.devices) for v in shown]
    checks = [Line(version_label(v.package_version), v.checks) for v in shown]
    return AdoptionView(
        figures=figures,
        devices_chart=line_chart("Devices per package version", figures.buckets, devices),
        checks_chart=line_chart("Update checks per package version", figures.buckets, checks),
    )


async def release_health(session: AsyncSession, app_id: int, release_id: int) -> HealthView:
    figures = await analytics.release_health(session, app_id, release_id, utcnow())
    times = [p.bucket for p in figures.series]
    adoption = [Line(f"on package {figures.package_version}", [p.adoption for p in figures.series])]
    outcomes = [
        Line("downloads", [p.downloads for p in figures.series]),
        Line("installs", [p.installs for p in figures.series]),
        Line("failures", [p.failures for p in figures.series], dashed=True),
    ]
    return HealthView(
        figures=figures,
        adoption_chart=line_chart(
            "Share of active devices running its package", times, adoption, percent=True
        ),
        outcomes_chart=line_chart("Downloads, installs and failures", times, outcomes),
        rate_chart=interval_chart("Failure rate with 95% interval", _rates(figures)),
        anonymous_warning=_warn_anonymous(figures),
        time_to_50=describe_duration(figures.time_to_50_seconds),
        time_to_90=describe_duration(figures.time_to_90_seconds),
    )


def _rates(figures: ReleaseHealthOut) -> list[Interval]:
    own = figures.figures
    rows = [
        Interval(
            f"release {figures.release_id}",
            own.failure_rate,
            own.failure_rate_low,
            own.failure_rate_high,
        )
    ]
    if figures.baseline is not None:
        base = figures.baseline.figures
        rows.append(
            Interval(
                f"baseline {figures.baseline.release_id}",
                base.failure_rate,
                base.failure_rate_low,
                base.failure_rate_high,
            )
        )
    return rows


def _warn_anonymous(figures: ReleaseHealthOut) -> bool:
    """A staged rollout never reaches devices without an identifier (even at 100%): say so
    while some of its audience (its checks and its baseline's) checks anonymously, or before
    any check came in."""
    if figures.status != "in_progress":
        return False
    share = figures.audience_anonymous_share
    return share is None or share > 0
