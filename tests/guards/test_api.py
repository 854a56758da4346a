"""Setting, reading and clearing guards through the API; validation and roles."""

from __future__ import annotations

from typing import Any

import pytest
from fixtures.guards import GuardKit
from fixtures.users import UserFactory

LIMITS = {"min_sample": 50, "max_failure_rate": 0.1, "max_excess": 0.01}
RAMP = {"ramp_steps": [1, 10, 50, 100], "ramp_interval_seconds": 3600}


async def test_app_default_applies_until_the_release_has_its_own(kit: GuardKit) -> None:
    _, release_id = await kit.staged()
    assert (await kit.guard_of(release_id))["source"] == "none"
    assert (await kit.get("/guard")).json() == {"guard": None}

    r = await kit.put("/guard", LIMITS)
    assert r.status_code == 200, r.text
    assert r.json()["guard"] == {**LIMITS, "ramp_steps": None, "ramp_interval_seconds": None}
    shown = await kit.guard_of(release_id)
    assert shown["source"] == "app"
    assert shown["guard"]["min_sample"] == 50

    r = await kit.put(f"/releases/{release_id}/guard", {"min_sample": 7, **RAMP})
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "release"
    assert r.json()["guard"]["min_sample"] == 7
    assert r.json()["guard"]["max_failure_rate"] == 0.05  # the documented default
    assert r.json()["next_ramp_step"] == 50  # the release is at 10%

    assert (await kit.delete(f"/releases/{release_id}/guard")).status_code == 204
    assert (await kit.guard_of(release_id))["source"] == "app"
    assert (await kit.delete("/guard")).status_code == 204
    assert (await kit.guard_of(release_id))["source"] == "none"
    assert (await kit.delete("/guard")).status_code == 204  # clearing twice is harmless


async def test_changes_are_audited(kit: GuardKit) -> None:
    _, release_id = await kit.staged()
    await kit.put(f"/releases/{release_id}/guard", LIMITS)
    await kit.delete(f"/releases/{release_id}/guard")
    [set_event] = await kit.audit("guard.set")
    assert (set_event.object_type, set_event.object_id) == ("release", str(release_id))
    assert set_event.details["max_failure_rate"] == 0.1
    [clear_event] = await kit.audit("guard.clear")
    assert clear_event.object_id == str(release_id)
    history = (await kit.releases.show(release_id))["history"]
    assert [h["action"] for h in history][-2:] == ["guard.set", "guard.clear"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"max_failure_rate": 1.5}, "validation_failed"),
        ({"max_failure_rate": -0.1}, "validation_failed"),
        ({"max_excess": 2}, "validation_failed"),
        ({"min_sample": 0}, "validation_failed"),
        ({"min_sample": "many"}, "validation_failed"),
        ({"unknown": 1}, "validation_failed"),
        ({"ramp_steps": [10, 5], "ramp_interval_seconds": 3600}, "invalid_ramp"),
        ({"ramp_steps": [10, 10], "ramp_interval_seconds": 3600}, "invalid_ramp"),
        ({"ramp_steps": [0, 10], "ramp_interval_seconds": 3600}, "invalid_ramp"),
        ({"ramp_steps": [10, 101], "ramp_interval_seconds": 3600}, "invalid_ramp"),
        ({"ramp_steps": [1, 10]}, "invalid_ramp"),
        ({"ramp_interval_seconds": 3600}, "invalid_ramp"),
        ({"ramp_steps": [], "ramp_interval_seconds": 3600}, "validation_failed"),
        ({"ramp_steps": [1, 10], "ramp_interval_seconds": 1}, "validation_failed"),
    ],
)
async def test_bad_settings_are_refused_whole(
    kit: GuardKit, body: dict[str, Any], code: str
) -> None:
    _, release_id = await kit.staged()
    for path in ("/guard", f"/releases/{release_id}/guard"):
        r = await kit.put(path, body)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == code
    assert (await kit.guard_of(release_id))["source"] == "none"
    assert await kit.audit("guard.set") == []


async def test_unknown_and_finished_releases(kit: GuardKit) -> None:
    baseline_id, _ = await kit.staged()
    r = await kit.put("/releases/999999/guard", LIMITS)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "release_not_found")
    r = await kit.get("/releases/999999/guard")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "release_not_found")
    r = await kit.put(f"/releases/{baseline_id}/guard", LIMITS)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "release_finished")


async def test_read_role_views_write_role_sets(kit: GuardKit, users: UserFactory) -> None:
    _, release_id = await kit.staged()
    reader = await kit.releases.member(users, "read")
    writer = await kit.releases.member(users, "write")
    for path in ("/guard", f"/releases/{release_id}/guard"):
        assert (await kit.get(path, reader.headers)).status_code == 200
        r = await kit.put(path, LIMITS, reader.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "insufficient_role")
        assert (await kit.delete(path, reader.headers)).status_code == 403
        assert (await kit.put(path, LIMITS, writer.headers)).status_code == 200
        assert (await kit.delete(path, writer.headers)).status_code == 204
