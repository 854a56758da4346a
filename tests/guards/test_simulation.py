"""The quality bar's simulation: 10,000 devices, a release at 10% over a concluded baseline of
the same target. Devices learn their release from the real device path (`?toss=`) and report
installs through the real event ingest; the evaluator then runs once.

With 5% failures on the new release against 0.5% on the baseline, the application's default
guard (documented defaults) pauses it and those devices are served the baseline again; with
equal rates (0.5% / 0.5%) it does not. Fixed seed: the run is the same every time.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from fixtures.guards import GuardKit

DEVICES = 10_000
BATCH = 500  # events per POST (within TRADEWIND_INGEST_MAX_EVENTS)
SEED = 20261130
SLOT_S = {"x-dimension": "slot=s"}  # what the Android SDK sends: matches the releases' target


async def served_versions(kit: GuardKit, devices: list[str]) -> dict[str, str]:
    """The package version the device path serves each device."""
    await kit.releases.app.ctx.snapshots.refresh()
    client = kit.releases.client
    versions = {}
    for device in devices:
        r = await client.get("/release/acme/shop", params={"toss": device}, headers=SLOT_S)
        assert r.status_code == 200, r.text
        versions[device] = r.json()["package"]["version"]
    return versions


async def report(kit: GuardKit, events: list[dict[str, Any]]) -> None:
    client = kit.releases.client
    key = (await client.get(kit.base, headers=kit.releases.owner.headers)).json()["ingest_key"]
    for start in range(0, len(events), BATCH):
        batch = events[start : start + BATCH]
        r = await client.post("/analytics/events", json=batch, headers={"x-ingest-key": key})
        assert r.status_code == 200, r.text
        assert r.json()["counted"] == len(batch)


def outcome_events(
    served: dict[str, str], releases: dict[str, int], rates: dict[str, float], rng: random.Random
) -> list[dict[str, Any]]:
    """Each device installs what it was served; it fails with its release's failure rate."""
    events = []
    for device, version in served.items():
        failed = rng.random() < rates[version]
        events.append(
            {
                "org_id": "acme",
                "app_id": "shop",
                "device_id": device,
                "event_type": "APPLY_FAILURE" if failed else "APPLY_SUCCESS",
                "release_id": str(releases[version]),
                "current_js_version": "1",
                "target_js_version": version,
            }
        )
    return events


@pytest.mark.parametrize(
    ("new_rate", "trips"), [(0.05, True), (0.005, False)], ids=["bad_release", "equal_rates"]
)
async def test_simulated_rollout(kit: GuardKit, new_rate: float, trips: bool) -> None:
    baseline_id, release_id = await kit.staged(percentage=10)
    baseline_version = (await kit.releases.show(baseline_id))["package"]["version"]
    new_version = (await kit.releases.show(release_id))["package"]["version"]
    assert (await kit.put("/guard", {})).status_code == 200  # the defaults
    rng = random.Random(SEED)
    devices = [f"device-{n:05d}" for n in range(DEVICES)]

    served = await served_versions(kit, devices)
    share = Counter(served.values())
    assert set(share) == {str(baseline_version), str(new_version)}
    assert 800 < share[str(new_version)] < 1200  # ~10% of the devices
    releases = {str(baseline_version): baseline_id, str(new_version): release_id}
    rates = {str(baseline_version): 0.005, str(new_version): new_rate}
    await report(kit, outcome_events(served, releases, rates, rng))
    await kit.releases.app.ctx.signals.flush()

    steps = await kit.evaluate()

    status = (await kit.releases.statuses())[release_id]
    pauses = await kit.audit("release.pause")
    if not trips:
        assert steps == []
        assert status == "in_progress"
        assert pauses == []
        return
    assert [(s.release_id, s.action) for s in steps] == [(release_id, "pause")]
    assert status == "paused"
    [event] = pauses
    assert event.actor_label == "guard"
    figures = event.details["guard"]
    assert figures["trials"] == share[str(new_version)]
    assert figures["baseline_release_id"] == baseline_id
    assert figures["baseline_trials"] == share[str(baseline_version)]
    assert figures["wilson_low"] - figures["baseline_rate"] > figures["max_excess"]
    on_new = [d for d, v in served.items() if v == str(new_version)]
    after = await served_versions(kit, on_new)
    assert set(after.values()) == {str(baseline_version)}  # they fall back to the baseline
