"""Rollback: an earlier release's content live again as a new concluded release."""

from __future__ import annotations

from typing import Any

from fixtures.releases import ReleaseKit

OS_IOS = [{"dimension": "os", "op": "eq", "values": ["ios"]}]


async def conclude(kit: ReleaseKit, **body: Any) -> dict[str, Any]:
    release = await kit.created(**body)
    if release["status"] == "created":
        assert (await kit.act(release["id"], "ramp", {"percentage": 10})).status_code == 200
        assert (await kit.act(release["id"], "conclude")).status_code == 200
    return await kit.show(release["id"])


async def test_rollback_restores_content_as_a_new_release(kit: ReleaseKit) -> None:
    await kit.file("config.json")
    v1 = await kit.package(properties={"v": 1})
    v2 = await kit.package(properties={"v": 2})
    good = await conclude(
        kit,
        package_version=v1,
        config={"boot_timeout": 7, "properties": {"colour": "blue"}},
        resources=["config.json"],
        mandatory=True,
    )
    bad = await conclude(kit, package_version=v2, config={"properties": {"colour": "red"}})
    assert (await kit.show(good["id"]))["status"] == "superseded"
    revision = await kit.revision()
    r = await kit.act(good["id"], "rollback", {"notes": "v2 crashes on start"})
    assert r.status_code == 201, r.text
    restored = r.json()
    assert restored["id"] not in (good["id"], bad["id"])
    assert (restored["status"], restored["percentage"]) == ("concluded", 100)
    assert restored["rolled_back_from_id"] == good["id"]
    assert restored["notes"] == "v2 crashes on start"
    same = ["package", "package_properties", "resources", "target", "channel", "mandatory"]
    assert {k: restored[k] for k in same} == {k: good[k] for k in same}
    assert restored["config"] | {"version": None} == good["config"] | {"version": None}
    # A new config version, so devices rewrite their config even though it equals v1's.
    assert restored["config"]["version"] not in (
        good["config"]["version"],
        bad["config"]["version"],
    )
    assert (await kit.show(bad["id"]))["status"] == "superseded"
    assert (await kit.show(bad["id"]))["history"][-1]["details"] == {
        "superseded_by": restored["id"]
    }
    assert restored["history"][0]["action"] == "release.rollback"
    assert restored["history"][0]["details"] == {"rolled_back_from_id": good["id"]}
    assert await kit.revision() == revision + 1
    explained = await kit.explain({})
    assert explained["winner"] == restored["id"]
    # Rolling back again (to the bad one, or the restored one) is allowed and just as explicit.
    again = await kit.act(bad["id"], "rollback")
    assert again.status_code == 201
    assert again.json()["notes"] == f"Rollback to release {bad['id']}"
    assert again.json()["package"]["version"] == v2


async def test_rollback_discards_a_rollout_of_the_same_target(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    v1 = await kit.package()
    await conclude(kit, package_version=v1)
    ios_good = await conclude(kit, package_version=v1, target=OS_IOS)
    v2 = await kit.package()
    ramping = await kit.created(package_version=v2, target=OS_IOS)
    await kit.act(ramping["id"], "ramp", {"percentage": 50})
    elsewhere = await kit.created(package_version=v2)  # another target: untouched
    r = await kit.act(ios_good["id"], "rollback")
    assert r.status_code == 201, r.text
    discarded = await kit.show(ramping["id"])
    assert discarded["status"] == "discarded"
    assert discarded["history"][-1]["details"] == {
        "reason": f"rollback to release {ios_good['id']}"
    }
    assert (await kit.show(elsewhere["id"]))["status"] == "created"
    assert (await kit.show(ios_good["id"]))["status"] == "superseded"


async def test_rollback_to_a_retired_release(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    v1 = await kit.package()
    base = await conclude(kit, package_version=v1)
    ios = await conclude(kit, package_version=v1, target=OS_IOS)
    assert (await kit.act(ios["id"], "retire")).status_code == 200
    assert (await kit.explain({"os": "ios"}))["winner"] == base["id"]
    r = await kit.act(ios["id"], "rollback")
    assert r.status_code == 201
    assert (await kit.explain({"os": "ios"}))["winner"] == r.json()["id"]
    assert (await kit.show(ios["id"]))["status"] == "retired"


async def test_rollback_refused_when_a_targeted_dimension_is_gone(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    v1 = await kit.package()
    await conclude(kit, package_version=v1)
    ios = await conclude(kit, package_version=v1, target=OS_IOS)
    await kit.act(ios["id"], "retire")
    r = await kit.client.delete(f"{kit.base}/dimensions/os", headers=kit.owner.headers)
    assert r.status_code == 204
    statuses, revision, audits = await kit.statuses(), await kit.revision(), await kit.audit_count()
    r = await kit.act(ios["id"], "rollback")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_target"
    assert r.json()["error"]["details"]["problem"] == "unknown_dimension"
    assert (await kit.statuses(), await kit.revision(), await kit.audit_count()) == (
        statuses,
        revision,
        audits,
    )


async def test_rollback_bad_body(kit: ReleaseKit) -> None:
    v1 = await kit.package()
    base = await conclude(kit, package_version=v1)
    r = await kit.act(base["id"], "rollback", {"to": 3})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_failed")
    r = await kit.act(404_404, "rollback")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "release_not_found")
    assert len(await kit.statuses()) == 1
