"""GET …/analytics/adoption: checks and devices per package version over time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fixtures.analytics import Signals
from fixtures.releases import ReleaseKit
from sqlalchemy import select

from tradewind.analytics.timeline import floor
from tradewind.models import Application
from tradewind.models.base import utcnow

URL = "/api/v1/orgs/acme/apps/shop/analytics/adoption"


async def adoption(kit: ReleaseKit, **params: str) -> dict[str, Any]:
    r = await kit.client.get(URL, params=params, headers=kit.owner.headers)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_checks_and_devices_per_version_and_hour(kit: ReleaseKit, signals: Signals) -> None:
    hour = floor(utcnow(), "hour")
    earlier = signals.at(hour - timedelta(hours=2, minutes=-5))
    for device in ("a", "b", "c"):
        earlier.check(kit.app_id, 1, "1", device)
    earlier.check(kit.app_id, 1, "1", None)
    await signals.flush()
    recent = signals.at(hour - timedelta(minutes=55))
    recent.check(kit.app_id, 2, "2", "a")
    recent.check(kit.app_id, 2, "2", "a")
    recent.check(kit.app_id, 1, "1", "b")
    recent.check(kit.app_id, 0, "", None)
    await signals.flush()

    body = await adoption(kit)
    assert body["span"] == "hour"
    assert len(body["buckets"]) == 25  # the last 24 hours touch 25 hour buckets
    last = body["buckets"][-3:]
    assert [b[:13] for b in last] == [
        (hour - timedelta(hours=h)).isoformat()[:13] for h in (2, 1, 0)
    ]
    versions = {v["package_version"]: v for v in body["versions"]}
    assert [v["package_version"] for v in body["versions"]] == ["2", "1", ""]
    assert versions["1"]["checks"][-3:] == [4, 1, 0]
    assert versions["1"]["devices"][-3:] == [3, 1, 0]
    assert (versions["1"]["total_checks"], versions["1"]["total_devices"]) == (5, 3)
    assert versions["2"]["checks"][-3:] == [0, 2, 0]
    assert versions["2"]["total_devices"] == 1
    assert versions[""]["checks"][-3:] == [0, 1, 0]
    assert body["active_devices"][-3:] == [3, 2, 0]
    assert body["total_active_devices"] == 3
    assert (body["total_checks"], body["anonymous_checks"]) == (8, 2)
    assert body["anonymous_share"] == 0.25


async def test_a_window_in_day_buckets(kit: ReleaseKit, signals: Signals) -> None:
    now = utcnow()
    signals.at(now - timedelta(days=3)).check(kit.app_id, 1, "1", "a")
    await signals.flush()
    since = (floor(now, "day") - timedelta(days=6)).isoformat()
    body = await adoption(kit, span="day", since=since)
    assert len(body["buckets"]) == 7
    [version] = body["versions"]
    assert version["checks"][3] == 1
    assert sum(version["checks"]) == 1


async def test_no_signals_yet(kit: ReleaseKit) -> None:
    body = await adoption(kit, span="minute")
    assert len(body["buckets"]) in (60, 61)
    assert body["versions"] == []
    assert body["anonymous_share"] is None


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        (
            {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
            400,
            "invalid_time_range",
        ),
        (
            {"since": "2026-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
            400,
            "invalid_time_range",
        ),
        (
            {"span": "minute", "since": "2026-01-01T00:00:00Z", "until": "2026-01-02T00:00:00Z"},
            400,
            "too_many_buckets",
        ),
        ({"since": "0001-01-01T00:00:00Z"}, 400, "invalid_time_range"),
        ({"span": "minute", "until": "9999-12-31T23:59:30Z"}, 400, "invalid_time_range"),
        ({"until": "1969-12-31T00:00:00"}, 400, "invalid_time_range"),
        ({"span": "week"}, 422, "validation_failed"),
        ({"since": "yesterday"}, 422, "validation_failed"),
    ],
)
async def test_bad_parameters(
    kit: ReleaseKit, params: dict[str, str], status: int, code: str
) -> None:
    r = await kit.client.get(URL, params=params, headers=kit.owner.headers)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


async def test_other_applications_signals_are_not_counted(
    kit: ReleaseKit, signals: Signals
) -> None:
    r = await kit.client.post(
        "/api/v1/orgs/acme/apps", json={"name": "other"}, headers=kit.owner.headers
    )
    assert r.status_code == 201
    async with kit.app.ctx.db.unit_of_work() as session:
        other = await session.scalar(select(Application.id).where(Application.name == "other"))
    assert other is not None
    signals.at(utcnow() - timedelta(hours=1)).check(other, 0, "1", "x")
    await signals.flush()
    assert (await adoption(kit))["versions"] == []
