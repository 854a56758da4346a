"""The release state machine through the API: every action from every status."""

from __future__ import annotations

from typing import Any

import pytest
from fixtures.releases import ReleaseKit

ACTIONS = ["ramp", "pause", "resume", "conclude", "discard", "retire", "rollback", "edit"]

# status -> the actions it allows and the status they lead to (written out, not derived).
ALLOWED: dict[str, dict[str, str]] = {
    "created": {"ramp": "in_progress", "discard": "discarded", "edit": "created"},
    "in_progress": {
        "ramp": "in_progress",
        "pause": "paused",
        "conclude": "concluded",
        "discard": "discarded",
    },
    "paused": {"resume": "in_progress", "discard": "discarded"},
    "concluded": {"retire": "retired", "rollback": "superseded"},
    "superseded": {"rollback": "superseded"},
    "retired": {"rollback": "retired"},
    "discarded": {},
}
LIVE = {"in_progress", "paused", "concluded"}


def target(value: str) -> list[dict[str, Any]]:
    return [{"dimension": "slot", "op": "eq", "values": [value]}]


async def release_in(kit: ReleaseKit, status: str) -> dict[str, Any]:
    """A release of target slot=s brought to `status` through the API (after a baseline)."""
    await kit.dimension("slot")
    version = await kit.package()
    baseline = await kit.created(package_version=version)
    assert baseline["status"] == "concluded"
    release = await kit.created(package_version=version, target=target("s"), percentage=5)
    steps = {
        "created": [],
        "in_progress": ["ramp"],
        "paused": ["ramp", "pause"],
        "concluded": ["ramp", "conclude"],
        "retired": ["ramp", "conclude", "retire"],
        "discarded": ["discard"],
        "superseded": ["ramp", "conclude"],
    }[status]
    for step in steps:
        r = await kit.act(release["id"], step)
        assert r.status_code == 200, r.text
    if status == "superseded":
        newer = await kit.created(package_version=version, target=target("s"))
        for step in ["ramp", "conclude"]:
            assert (await kit.act(newer["id"], step)).status_code == 200
    shown = await kit.show(release["id"])
    assert shown["status"] == status
    return shown


async def attempt(kit: ReleaseKit, release_id: int, action: str) -> Any:
    if action == "edit":
        return await kit.client.patch(
            f"{kit.base}/releases/{release_id}", json={"notes": "edited"}, headers=kit.owner.headers
        )
    body = {"percentage": 42} if action == "ramp" else None
    return await kit.act(release_id, action, body)


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("action", ACTIONS)
async def test_transition(kit: ReleaseKit, status: str, action: str) -> None:
    release = await release_in(kit, status)
    before_revision = await kit.revision()
    before_statuses = await kit.statuses()
    before_audit = await kit.audit_count()
    r = await attempt(kit, release["id"], action)
    expected = ALLOWED[status].get(action)
    if expected is None:
        assert r.status_code == 409, r.text
        error = r.json()["error"]
        if action == "edit":
            assert error["code"] == "release_not_editable"
            assert error["details"] == {"status": status}
        else:
            assert error["code"] == "invalid_transition"
            assert error["details"]["from"] == status
            assert error["details"]["action"] == action
        assert await kit.statuses() == before_statuses
        assert await kit.revision() == before_revision
        assert await kit.audit_count() == before_audit
        return
    assert r.status_code == (201 if action == "rollback" else 200), r.text
    shown = await kit.show(release["id"])
    assert shown["status"] == expected
    if action == "rollback":
        assert r.json()["status"] == "concluded"
        assert r.json()["rolled_back_from_id"] == release["id"]
        assert await kit.revision() == before_revision + 1
        return
    last = shown["history"][-1]
    assert last["action"] == ("release.update" if action == "edit" else f"release.{action}")
    assert (last["from_state"], last["to_state"]) == (status, expected)
    assert last["actor"] == kit.owner.email
    assert last["percentage"] == shown["percentage"]
    bumped = status in LIVE or expected in LIVE
    assert await kit.revision() == before_revision + (1 if bumped else 0)


async def test_ramp_any_percentage_up_and_down(kit: ReleaseKit) -> None:
    release = await release_in(kit, "created")
    assert release["percentage"] == 5 and release["started_at"] is None
    r = await kit.act(release["id"], "ramp")  # no body: the planned percentage
    assert r.status_code == 200, r.text
    started = r.json()["started_at"]
    assert r.json()["percentage"] == 5 and started is not None
    for value in [12.5, 0.01, 100, 0, 37.25]:
        r = await kit.act(release["id"], "ramp", {"percentage": value})
        assert r.status_code == 200, r.text
        assert r.json()["percentage"] == value
        assert r.json()["started_at"] == started  # set by the first ramp only
    history = (await kit.show(release["id"]))["history"]
    ramps = [(h["from_state"], h["to_state"], h["percentage"]) for h in history[1:]]
    assert ramps == [
        ("created", "in_progress", 5),
        ("in_progress", "in_progress", 12.5),
        ("in_progress", "in_progress", 0.01),
        ("in_progress", "in_progress", 100),
        ("in_progress", "in_progress", 0),
        ("in_progress", "in_progress", 37.25),
    ]


@pytest.mark.parametrize(
    ("value", "status"), [(101, 400), (12.345, 400), (-1, 400), ("abc", 422), (None, 200)]
)
async def test_ramp_bad_percentage(kit: ReleaseKit, value: Any, status: int) -> None:
    release = await release_in(kit, "in_progress")
    r = await kit.act(release["id"], "ramp", {"percentage": value})
    assert r.status_code == status, r.text
    if status == 400:
        assert r.json()["error"]["code"] == "invalid_percentage"
    assert (await kit.show(release["id"]))["percentage"] == 5


async def test_pause_keeps_percentage_and_resume_restores(kit: ReleaseKit) -> None:
    release = await release_in(kit, "in_progress")
    await kit.act(release["id"], "ramp", {"percentage": 30})
    paused = (await kit.act(release["id"], "pause")).json()
    assert (paused["status"], paused["percentage"]) == ("paused", 30)
    resumed = (await kit.act(release["id"], "resume")).json()
    assert (resumed["status"], resumed["percentage"]) == ("in_progress", 30)


async def test_conclude_serves_everyone_and_supersedes_the_old_baseline(kit: ReleaseKit) -> None:
    old = await release_in(kit, "concluded")
    version = await kit.package()
    newer = await kit.created(package_version=version, target=target("s"), percentage=1)
    await kit.act(newer["id"], "ramp")
    r = await kit.act(newer["id"], "conclude")
    assert r.status_code == 200
    assert r.json()["percentage"] == 100 and r.json()["concluded_at"] is not None
    old_now = await kit.show(old["id"])
    assert old_now["status"] == "superseded"
    assert old_now["history"][-1]["details"] == {"superseded_by": newer["id"]}
    # The empty-target baseline has another target: untouched.
    statuses = await kit.statuses()
    assert sorted(statuses.values()) == ["concluded", "concluded", "superseded"]


async def test_unknown_release_and_other_apps_release(kit: ReleaseKit) -> None:
    r = await kit.act(999_999, "ramp")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "release_not_found")
    release = await release_in(kit, "created")
    r = await kit.client.post(
        "/api/v1/orgs/acme/apps", json={"name": "other"}, headers=kit.owner.headers
    )
    assert r.status_code == 201
    other = f"/api/v1/orgs/acme/apps/other/releases/{release['id']}"
    for call in [
        kit.client.get(other, headers=kit.owner.headers),
        kit.client.post(f"{other}/ramp", headers=kit.owner.headers),
        kit.client.patch(other, json={"notes": "x"}, headers=kit.owner.headers),
    ]:
        r = await call
        assert (r.status_code, r.json()["error"]["code"]) == (404, "release_not_found")
    assert (await kit.show(release["id"]))["status"] == "created"
