"""GET …/releases/{id}/analytics: a release's figures next to its baseline's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fixtures.analytics import Signals
from fixtures.releases import ReleaseKit

from tradewind.analytics.stats import wilson_interval
from tradewind.analytics.timeline import floor
from tradewind.models.base import utcnow
from tradewind.signals.model import Metric


async def health(kit: ReleaseKit, release_id: int) -> dict[str, Any]:
    r = await kit.client.get(
        f"{kit.base}/releases/{release_id}/analytics", headers=kit.owner.headers
    )
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def ramped(kit: ReleaseKit, percentage: float = 10) -> tuple[int, int]:
    """A concluded baseline (package 1) and a release of package 2 ramped to `percentage`."""
    baseline = await kit.created(package_version=await kit.package())
    release = await kit.created(package_version=await kit.package(), percentage=percentage)
    assert (await kit.act(release["id"], "ramp")).status_code == 200
    return baseline["id"], release["id"]


async def test_figures_of_a_ramping_release_and_its_baseline(
    kit: ReleaseKit, signals: Signals
) -> None:
    baseline, release = await ramped(kit)
    recorder = signals.at(utcnow())
    for device in ("a", "b", "c"):
        recorder.check(kit.app_id, release, "1", device)
    recorder.check(kit.app_id, release, "1", None)
    recorder.check(kit.app_id, release, "2", "a")
    recorder.check(kit.app_id, baseline, "1", "z")
    recorder.count(kit.app_id, Metric.DOWNLOAD_COMPLETED, release, "2", 11)
    recorder.count(kit.app_id, Metric.DOWNLOAD_FAILED, release, "2", 1)
    recorder.count(kit.app_id, Metric.INSTALL_SUCCEEDED, release, "2", 8)
    recorder.count(kit.app_id, Metric.INSTALL_FAILED, release, "2", 2)
    recorder.count(kit.app_id, Metric.ROLLBACK, release, "2", 1)
    recorder.count(kit.app_id, Metric.INSTALL_SUCCEEDED, baseline, "1", 199)
    recorder.count(kit.app_id, Metric.INSTALL_FAILED, baseline, "1", 1)
    await signals.flush()

    body = await health(kit, release)
    assert (body["release_id"], body["status"], body["percentage"]) == (release, "in_progress", 10)
    assert body["package_version"] == 2
    assert (body["checks"], body["anonymous_checks"], body["anonymous_share"]) == (5, 1, 0.2)
    assert body["devices"] == 3  # a, b, c (the anonymous check adds none)
    assert body["devices_running"] == 1  # only "a" reported running package 2
    figures = body["figures"]
    assert figures["downloads"] == 11
    assert (figures["failures"], figures["trials"]) == (4, 12)
    assert figures["failure_rate"] == pytest.approx(4 / 12)
    low, high = wilson_interval(4, 12)
    assert (figures["failure_rate_low"], figures["failure_rate_high"]) == (
        pytest.approx(low),
        pytest.approx(high),
    )
    assert body["baseline"]["release_id"] == baseline
    assert body["baseline"]["checks"] == 1
    assert body["baseline"]["figures"]["failure_rate"] == pytest.approx(1 / 200)
    assert body["failure_rate_difference"] == pytest.approx(4 / 12 - 1 / 200)
    [point] = body["series"]
    assert (point["checks"], point["installs"], point["failures"]) == (5, 8, 4)
    assert (point["active"], point["running"]) == (4, 1)  # a, b, c, z; "a" on version 2


async def test_a_release_without_signals_or_baseline(kit: ReleaseKit) -> None:
    first = await kit.created(package_version=await kit.package())
    body = await health(kit, first["id"])
    assert (body["checks"], body["devices"], body["devices_running"]) == (0, 0, 0)
    assert body["anonymous_share"] is None
    assert body["figures"]["failure_rate"] == 0.0
    assert (body["figures"]["failure_rate_low"], body["figures"]["failure_rate_high"]) == (0, 1)
    assert body["baseline"] is None
    assert body["failure_rate_difference"] is None
    assert body["time_to_50_seconds"] is None


async def test_a_created_release_has_no_series(kit: ReleaseKit) -> None:
    await kit.created(package_version=await kit.package())
    release = await kit.created(package_version=await kit.package(), percentage=5)
    body = await health(kit, release["id"])
    assert (body["started_at"], body["series"], body["time_to_90_seconds"]) == (None, [], None)


async def test_time_to_half_and_ninety_percent_of_active_devices(
    kit: ReleaseKit, signals: Signals
) -> None:
    _, release = await ramped(kit, 100)
    start = floor(utcnow(), "hour") - timedelta(hours=4)
    await signals.set_started(release, start + timedelta(minutes=10))
    devices = [f"device-{i}" for i in range(10)]
    # Hour 0: 3 of 10 run package 2; hour 1: 6 of 10; hour 2: all 10; hour 3: nobody checks.
    for hour, upgraded in enumerate((3, 6, 10)):
        recorder = signals.at(start + timedelta(hours=hour, minutes=30))
        for i, device in enumerate(devices):
            recorder.check(kit.app_id, release, "2" if i < upgraded else "1", device)
        await signals.flush()
    body = await health(kit, release)
    assert body["series_span"] == "hour"
    series = body["series"]
    assert [p["bucket"][:13] for p in series[:3]] == [
        (start + timedelta(hours=h)).isoformat()[:13] for h in range(3)
    ]
    assert len(series) == 5  # hours 0 to 3, and the current one
    assert [(p["running"], p["active"]) for p in series] == [(3, 10), (6, 10), (10, 10)] + [
        (0, 0)
    ] * 2
    assert [p["adoption"] for p in series[:3]] == [0.3, 0.6, 1.0]
    # Reached by the end of hour 1 (50%) and of hour 2 (90%), counted from the start at :10.
    assert body["time_to_50_seconds"] == 2 * 3600 - 600
    assert body["time_to_90_seconds"] == 3 * 3600 - 600
    assert body["devices_running"] == 10


async def test_unknown_release_is_not_found(kit: ReleaseKit) -> None:
    r = await kit.client.get(f"{kit.base}/releases/999/analytics", headers=kit.owner.headers)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "release_not_found"


async def test_a_reader_may_see_release_analytics(kit: ReleaseKit, users: Any) -> None:
    first = await kit.created(package_version=await kit.package())
    reader = await kit.member(users, "read")
    r = await kit.client.get(f"{kit.base}/releases/{first['id']}/analytics", headers=reader.headers)
    assert r.status_code == 200
    stranger = await users.create()
    r = await kit.client.get(
        f"{kit.base}/releases/{first['id']}/analytics", headers=stranger.headers
    )
    assert r.status_code == 404


async def test_a_long_running_release_is_charted_by_day(kit: ReleaseKit, signals: Signals) -> None:
    _, release = await ramped(kit, 50)
    start = floor(utcnow(), "day") - timedelta(days=20)
    await signals.set_started(release, start)
    recorder = signals.at(start + timedelta(days=2, hours=3))
    recorder.check(kit.app_id, release, "2", "a")
    recorder.count(kit.app_id, Metric.ROLLBACK, release, "2", 2)
    await signals.flush()
    body = await health(kit, release)
    assert body["series_span"] == "day"
    assert len(body["series"]) == 21
    third = body["series"][2]
    assert (third["checks"], third["failures"], third["running"], third["active"]) == (1, 2, 1, 1)
    # Every device that checked that day ran the package: 100% by the end of day 3.
    assert body["time_to_90_seconds"] == 3 * 86400
    assert body["figures"]["rollbacks"] == 2
