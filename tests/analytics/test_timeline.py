"""Bucket arithmetic and the time-to-share milestone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tradewind.analytics.timeline import (
    AdoptionPoint,
    Span,
    bucket_count,
    bucket_starts,
    describe_duration,
    floor,
    time_to_share,
)

MOMENT = datetime(2026, 3, 14, 15, 9, 26, 535, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ("minute", datetime(2026, 3, 14, 15, 9, tzinfo=UTC)),
        ("hour", datetime(2026, 3, 14, 15, tzinfo=UTC)),
        ("day", datetime(2026, 3, 14, tzinfo=UTC)),
    ],
)
def test_floor(span: Span, expected: datetime) -> None:
    assert floor(MOMENT, span) == expected


@pytest.mark.parametrize("span", ["minute", "hour", "day"])
def test_bucket_count_agrees_with_the_buckets(span: Span) -> None:
    for hours in (0.5, 1, 23, 24, 49.5):
        until = MOMENT + timedelta(hours=hours)
        assert bucket_count(MOMENT, until, span) == len(bucket_starts(MOMENT, until, span))
    assert bucket_count(MOMENT, MOMENT, span) == 0


def test_buckets_cover_a_partial_first_bucket() -> None:
    starts = bucket_starts(MOMENT, MOMENT + 2 * HOUR, "hour")
    assert starts == [floor(MOMENT, "hour") + h * HOUR for h in range(3)]


def test_time_to_share_is_the_end_of_the_first_bucket_reaching_it() -> None:
    start = datetime(2026, 3, 14, 10, tzinfo=UTC)
    points = [
        AdoptionPoint(start, 1, 10),
        AdoptionPoint(start + HOUR, 0, 0),  # nobody checked: no verdict
        AdoptionPoint(start + 2 * HOUR, 5, 10),
        AdoptionPoint(start + 3 * HOUR, 9, 10),
    ]
    now = start + 10 * HOUR
    started = start + timedelta(minutes=20)
    assert time_to_share(points, started, 0.5, "hour", now) == (3 * HOUR).total_seconds() - 1200
    assert time_to_share(points, started, 0.9, "hour", now) == (4 * HOUR).total_seconds() - 1200
    assert time_to_share(points, started, 0.95, "hour", now) is None
    # In the current bucket the milestone is reached by now at the latest.
    assert time_to_share(points, started, 0.9, "hour", start + 3.5 * HOUR) == 3.5 * 3600 - 1200


def test_share_is_capped_at_one_and_zero_without_devices() -> None:
    assert AdoptionPoint(MOMENT, 12, 10).share == 1.0
    assert AdoptionPoint(MOMENT, 0, 0).share == 0.0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, None), (40, "1m"), (3600, "1h 0m"), (90061, "1d 1h 1m"), (0, "0m")],
)
def test_describe_duration(seconds: float | None, text: str | None) -> None:
    assert describe_duration(seconds) == text
