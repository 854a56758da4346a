"""What a release changes for devices (`GET …/releases/{id}/changes`), new releases carrying
their baseline's config, the release timeline, and the one-step rollback to the previous
release, through the API on the test database."""

from __future__ import annotations

from typing import Any

from fixtures.releases import ReleaseKit

ANDROID = [{"dimension": "os", "op": "eq", "values": ["android"]}]
IOS = [{"dimension": "os", "op": "eq", "values": ["ios"]}]


async def changes(kit: ReleaseKit, release_id: int) -> dict[str, Any]:
    r = await kit.client.get(f"{kit.base}/releases/{release_id}/changes", headers=kit.owner.headers)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def concluded(kit: ReleaseKit, **body: Any) -> dict[str, Any]:
    release = await kit.created(**body)
    if release["status"] == "created":
        assert (await kit.act(release["id"], "ramp", json={"percentage": 100})).status_code == 200
        r = await kit.act(release["id"], "conclude")
        assert r.status_code == 200, r.text
        release = r.json()
    return release


async def test_a_new_release_starts_from_its_baselines_config(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    version = await kit.package()
    config = {"boot_timeout": 2500, "release_config_timeout": 700, "properties": {"theme": "dark"}}
    everyone = await concluded(kit, package_version=version, config=config)
    android_config = {"properties": {"theme": "green", "ads": False}}
    android = await concluded(kit, package_version=version, target=ANDROID, config=android_config)
    # No config at all: every field is the baseline's of the same target...
    same = await kit.created(package_version=version, target=ANDROID)
    assert same["config"]["properties"] == {"theme": "green", "ads": False}
    assert same["config"]["boot_timeout"] == 2500  # the android baseline carried it too
    assert (await kit.act(same["id"], "discard")).status_code == 200
    # ...else of everyone's; fields given replace the baseline's, the others are carried.
    ios = await kit.created(package_version=version, target=IOS, config={"boot_timeout": 9000})
    assert ios["config"] == {
        **config,
        "boot_timeout": 9000,
        "version": str(ios["id"]),
    }
    # An explicit empty object is honoured: the change shows in the diff, not silently.
    cleared = await kit.created(package_version=version, config={"properties": {}})
    assert cleared["config"]["properties"] == {}
    diff = await changes(kit, cleared["id"])
    assert diff["against_release_id"] == everyone["id"]
    assert diff["properties"] == [{"key": "theme", "change": "removed", "old": "dark", "new": None}]
    assert android["id"] != everyone["id"]


async def test_changes_list_files_and_values_against_the_replaced_release(
    kit: ReleaseKit,
) -> None:
    v1 = await kit.package(important=("app.js",), lazy=("img/old.png",), properties={"n": 1})
    first = await concluded(kit, package_version=v1, config={"properties": {"flag": True}})
    initial = await changes(kit, first["id"])
    assert initial["against_release_id"] is None
    assert {f["change"] for f in initial["files"]} == {"added"}
    assert len(initial["files"]) == 3

    v2 = await kit.package(important=("app.js",), lazy=("img/new.png",), properties={"n": 2})
    second = await kit.created(
        package_version=v2,
        config={"properties": {"flag": False, "extra": 1}, "boot_timeout": 3000},
    )
    diff = await changes(kit, second["id"])
    assert diff["against_release_id"] == first["id"]
    assert (diff["package_version"], diff["against_package_version"]) == (v2, v1)
    files = {f["path"]: f for f in diff["files"]}
    assert set(files) == {"index.android.bundle", "img/old.png", "img/new.png"}  # app.js same
    assert files["img/old.png"]["change"] == "removed"
    assert files["img/old.png"]["old_size"] == len(b"content of img/old.png")
    assert files["img/new.png"] == {
        "path": "img/new.png",
        "change": "added",
        "kind": "lazy",
        "old_size": None,
        "new_size": len(b"content of img/new.png"),
    }
    assert files["index.android.bundle"]["change"] == "changed"
    assert diff["download_bytes"] == (
        files["index.android.bundle"]["new_size"] + files["img/new.png"]["new_size"]
    )
    assert diff["properties"] == [
        {"key": "extra", "change": "added", "old": None, "new": 1},
        {"key": "flag", "change": "changed", "old": True, "new": False},
    ]
    assert diff["config"] == [
        {"key": "boot_timeout", "change": "changed", "old": 1000, "new": 3000}
    ]
    assert diff["package_properties"] == [{"key": "n", "change": "changed", "old": 1, "new": 2}]
    # Once concluded (and the first one superseded), it is still compared with what it replaced.
    assert (await kit.act(second["id"], "ramp", json={"percentage": 50})).status_code == 200
    assert (await kit.act(second["id"], "conclude")).status_code == 200
    assert await changes(kit, second["id"]) == diff


async def test_changes_of_an_unknown_or_foreign_release_are_not_found(kit: ReleaseKit) -> None:
    r = await kit.client.get(f"{kit.base}/releases/999999/changes", headers=kit.owner.headers)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "release_not_found"


async def test_roll_back_to_the_previous_release_in_one_step(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    first = await concluded(
        kit, package_version=await kit.package(), config={"properties": {"a": 1}}
    )
    second = await concluded(kit, package_version=await kit.package())
    url = f"{kit.base}/releases/{second['id']}/rollback-previous"
    r = await kit.client.post(url, json={"notes": "bad build"}, headers=kit.owner.headers)
    assert r.status_code == 201, r.text
    restored = r.json()
    assert restored["status"] == "concluded"
    assert restored["rolled_back_from_id"] == first["id"]
    assert restored["config"]["properties"] == {"a": 1}
    assert restored["notes"] == "bad build"
    shown = await kit.client.get(f"{kit.base}/releases/{second['id']}", headers=kit.owner.headers)
    assert shown.json()["status"] == "superseded"
    # The previous release of the first one: none. A release that is not concluded: refused.
    r = await kit.client.post(
        f"{kit.base}/releases/{first['id']}/rollback-previous", headers=kit.owner.headers
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invalid_transition")
    android = await concluded(kit, package_version=await kit.package(), target=ANDROID)
    r = await kit.client.post(
        f"{kit.base}/releases/{android['id']}/rollback-previous", headers=kit.owner.headers
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "no_previous_release")
    pending = await kit.created(package_version=await kit.package())
    r = await kit.client.post(
        f"{kit.base}/releases/{pending['id']}/rollback-previous", headers=kit.owner.headers
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invalid_transition")


async def test_timeline_lists_every_release_event_and_who(kit: ReleaseKit) -> None:
    first = await concluded(kit, package_version=await kit.package())
    second = await concluded(kit, package_version=await kit.package())
    r = await kit.client.get(f"{kit.base}/releases/timeline", headers=kit.owner.headers)
    assert r.status_code == 200, r.text
    entries = r.json()["entries"]
    steps = [(e["release_id"], e["action"], e["from_state"], e["to_state"]) for e in entries]
    assert steps == [
        (first["id"], "supersede", "concluded", "superseded"),
        (second["id"], "conclude", "in_progress", "concluded"),
        (second["id"], "ramp", "created", "in_progress"),
        (second["id"], "create", None, "created"),
        (first["id"], "create", None, "concluded"),
    ]
    assert {e["actor"] for e in entries} == {kit.owner.email}
    page = await kit.client.get(
        f"{kit.base}/releases/timeline", params={"limit": 2}, headers=kit.owner.headers
    )
    assert len(page.json()["entries"]) == 2
    assert page.json()["next_before"] == entries[1]["id"]
