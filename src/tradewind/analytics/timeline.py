"""Time buckets and adoption milestones: pure functions over UTC datetimes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Span = Literal["minute", "hour", "day"]

STEPS: dict[str, timedelta] = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
}


def floor(moment: datetime, span: Span) -> datetime:
    """The start of the bucket of `span` holding `moment`."""
    moment = moment.replace(second=0, microsecond=0)
    if span == "minute":
        return moment
    moment = moment.replace(minute=0)
    return moment if span == "hour" else moment.replace(hour=0)


def bucket_starts(since: datetime, until: datetime, span: Span) -> list[datetime]:
    """Starts of the buckets overlapping [since, until), oldest first."""
    step = STEPS[span]
    start = floor(since, span)
    starts: list[datetime] = []
    while start < until:
        starts.append(start)
        start += step
    return starts


def bucket_count(since: datetime, until: datetime, span: Span) -> int:
    """How many buckets `bucket_starts` would return, without building them."""
    if until <= since:
        return 0
    start = floor(since, span)
    return -((start - until) // STEPS[span])


@dataclass(frozen=True, slots=True)
class AdoptionPoint:
    bucket: datetime
    running: int  # distinct devices that checked in the bucket running the version
    active: int  # distinct devices that checked in the bucket

    @property
    def share(self) -> float:
        return min(1.0, self.running / self.active) if self.active else 0.0


def time_to_share(
    points: Sequence[AdoptionPoint], started_at: datetime, share: float, span: Span, now: datetime
) -> float | None:
    """Seconds from `started_at` to the end of the first bucket where at least `share` of the
    active devices ran the version; None when no bucket reached it (resolution: one bucket)."""
    for point in points:
        if point.active and point.share >= share:
            reached = min(point.bucket + STEPS[span], now)
            return max(0.0, (reached - started_at).total_seconds())
    return None


def describe_duration(seconds: float | None) -> str | None:
    """`1d 2h 5m`-style text for people; None stays None."""
    if seconds is None:
        return None
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m"]
    return " ".join(p for p in parts if p)
