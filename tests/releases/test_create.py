"""Creating and editing releases: content, defaults, first release, bad inputs, conflicts."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import pytest
from fixtures.releases import ReleaseKit
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tradewind.models import Release, ReleaseResource

OS_IOS = {"dimension": "os", "op": "eq", "values": ["ios"]}


async def counts(kit: ReleaseKit) -> tuple[int, int, int, int]:
    async with kit.app.ctx.db.unit_of_work() as session:
        releases = await session.scalar(select(func.count()).select_from(Release))
        resources = await session.scalar(select(func.count()).select_from(ReleaseResource))
    return int(releases or 0), int(resources or 0), await kit.audit_count(), await kit.revision()


async def test_first_release_is_live_at_once_then_later_ones_wait(kit: ReleaseKit) -> None:
    version = await kit.package(important=("a.js",), lazy=("img/b.png",), properties={"p": 1})
    start = await kit.revision()
    first = await kit.created(package_version=version, percentage=5, notes="hello")
    assert first["status"] == "concluded"
    assert first["percentage"] == 100
    assert first["started_at"] is not None and first["concluded_at"] is not None
    assert first["history"][0]["details"] == {"package_version": version, "first_release": True}
    assert await kit.revision() == start + 1
    second = await kit.created(package_version=version, percentage=5)
    assert (second["status"], second["percentage"], second["started_at"]) == ("created", 5, None)
    assert await kit.revision() == start + 1  # a created release serves nobody
    # Each channel has its own first release.
    staging = await kit.created(package_version=version, channel="staging")
    assert staging["status"] == "concluded"


async def test_full_release_document(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    await kit.dimension("app-version", "semver")
    version = await kit.package(properties={"from": "package"})
    await kit.file("config.json", b"{}")
    await kit.file("config.json", b'{"new": 1}')  # newest content at that path wins
    old_logo = await kit.file("logo.png", b"old logo")
    await kit.file("logo.png", b"new logo")
    body = {
        "package_version": version,
        "config": {"boot_timeout": 4000, "properties": {"flag": True, "nested": {"a": [1]}}},
        "resources": ["config.json", {"path": "logo.png", "sha256": old_logo.sha256}],
        "target": [
            {"dimension": "os", "op": "in", "values": [" ios ", "android", "ios"]},
            {"dimension": "app-version", "op": "semver", "values": [">=1.2.0 <2"]},
        ],
        "percentage": "12.5",
        "notes": "big one",
        "channel": "beta",
        "binary_version_range": "^3.1",
        "mandatory": True,
    }
    release = await kit.created(**body)
    assert release | {"created_at": 0, "updated_at": 0, "started_at": 0, "concluded_at": 0} == {
        "id": release["id"],
        "status": "concluded",  # first release of channel "beta"
        "percentage": 100,
        "package": {"version": version, "index": "index.android.bundle"},
        "config": {
            "boot_timeout": 4000,
            "release_config_timeout": 1000,
            "version": str(release["id"]),
            "properties": {"flag": True, "nested": {"a": [1]}},
        },
        "package_properties": {"from": "package"},
        "resources": [
            {
                "path": "config.json",
                "sha256": hashlib.sha256(b'{"new": 1}').hexdigest(),
                "size": 10,
            },
            {"path": "logo.png", "sha256": old_logo.sha256, "size": 8},
        ],
        "target": [  # canonical: sorted by dimension, `in` values stripped, unique, sorted
            {"dimension": "app-version", "op": "semver", "values": [">=1.2.0 <2"]},
            {"dimension": "os", "op": "in", "values": ["android", "ios"]},
        ],
        "channel": "beta",
        "binary_version_range": "^3.1",
        "mandatory": True,
        "notes": "big one",
        "rolled_back_from_id": None,
        "variants": None,
        "parent_id": None,
        "created_by": kit.owner.email,
        "created_at": 0,
        "updated_at": 0,
        "started_at": 0,
        "concluded_at": 0,
        "history": release["history"],
    }
    listed = await kit.client.get(f"{kit.base}/releases", headers=kit.owner.headers)
    assert [r["id"] for r in listed.json()] == [release["id"]]
    assert "history" not in listed.json()[0]


BAD_INPUTS: list[tuple[str, dict[str, Any], int, str]] = [
    ("unknown package", {"package_version": 99}, 404, "package_not_found"),
    ("package zero", {"package_version": 0}, 422, "validation_failed"),
    ("package as string", {"package_version": "1"}, 422, "validation_failed"),
    ("package past 32 bits", {"package_version": 2**31}, 422, "validation_failed"),
    ("package past 64 bits", {"package_version": 2**87}, 422, "validation_failed"),
    ("file not in app", {"resources": ["nope.json"]}, 404, "file_not_found"),
    (
        "file with other content",
        {"resources": [{"path": "extra.json", "sha256": "0" * 64}]},
        404,
        "file_not_found",
    ),
    ("resource is the index", {"resources": ["index.android.bundle"]}, 400, "resource_in_package"),
    ("resource is a package file", {"resources": ["a.js"]}, 400, "resource_in_package"),
    ("duplicate resource", {"resources": ["extra.json", "extra.json"]}, 400, "duplicate_resource"),
    ("percentage 101", {"percentage": 101}, 400, "invalid_percentage"),
    ("percentage 12.345", {"percentage": 12.345}, 400, "invalid_percentage"),
    ("percentage -1", {"percentage": -1}, 400, "invalid_percentage"),
    ("percentage text", {"percentage": "lots"}, 422, "validation_failed"),
    ("malformed range", {"binary_version_range": ">=1.2.x.y"}, 400, "invalid_binary_version_range"),
    ("empty range part", {"binary_version_range": "^1 ||"}, 400, "invalid_binary_version_range"),
    (
        "unknown dimension",
        {"target": [{"dimension": "country", "op": "eq", "values": ["in"]}]},
        400,
        "invalid_target",
    ),
    (
        "semver op on a string dimension",
        {"target": [{"dimension": "os", "op": "semver", "values": ["^1.0.0"]}]},
        400,
        "invalid_target",
    ),
    (
        "malformed target range",
        {"target": [{"dimension": "ver", "op": "semver", "values": ["not a range"]}]},
        400,
        "invalid_target",
    ),
    (
        "two values for eq",
        {"target": [{"dimension": "os", "op": "eq", "values": ["a", "b"]}]},
        400,
        "invalid_target",
    ),
    (
        "two conditions on one dimension",
        {"target": [OS_IOS, {"dimension": "os", "op": "eq", "values": ["android"]}]},
        400,
        "invalid_target",
    ),
    (
        "empty value",
        {"target": [{"dimension": "os", "op": "eq", "values": ["  "]}]},
        400,
        "invalid_target",
    ),
    (
        "unknown operator",
        {"target": [{"dimension": "os", "op": "gt", "values": ["1"]}]},
        422,
        "validation_failed",
    ),
    (
        "no values",
        {"target": [{"dimension": "os", "op": "in", "values": []}]},
        422,
        "validation_failed",
    ),
    ("negative timeout", {"config": {"boot_timeout": -1}}, 422, "validation_failed"),
    ("float timeout", {"config": {"boot_timeout": 1.5}}, 422, "validation_failed"),
    ("properties not an object", {"config": {"properties": [1]}}, 422, "validation_failed"),
    ("package properties not an object", {"package_properties": "x"}, 422, "validation_failed"),
    ("bad channel", {"channel": "Prod_1"}, 422, "validation_failed"),
    ("unknown field", {"colour": "red"}, 422, "validation_failed"),
]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
async def test_bad_inputs_leave_nothing_behind(
    kit: ReleaseKit, body: dict[str, Any], status: int, code: str
) -> None:
    await kit.dimension("os")
    await kit.dimension("ver", "semver")
    version = await kit.package(important=("a.js",))
    await kit.file("extra.json")
    baseline = await kit.created(package_version=version)
    before = await counts(kit)
    r = await kit.create(**({"package_version": version} | body))
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert await counts(kit) == before
    # The same input as an edit of a created release is refused the same way.
    draft = await kit.created(package_version=version, target=[OS_IOS])
    before = await counts(kit)
    r = await kit.client.patch(
        f"{kit.base}/releases/{draft['id']}", json=body, headers=kit.owner.headers
    )
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert await counts(kit) == before
    assert (await kit.show(draft["id"]))["updated_at"] == draft["updated_at"]
    assert baseline["status"] == "concluded"


async def test_one_unfinished_release_per_exact_target_and_channel(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    version = await kit.package()
    await kit.created(package_version=version)
    first = await kit.created(
        package_version=version,
        target=[{"dimension": "os", "op": "in", "values": ["ios", "android"]}],
    )
    same = [{"dimension": "os", "op": "in", "values": ["android", "ios", "ios"]}]
    r = await kit.create(package_version=version, target=same)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "release_conflict"
    assert r.json()["error"]["details"] == {"channel": "production", "release_id": first["id"]}
    # `in` with one value is the same target as `eq`.
    await kit.created(package_version=version, target=[OS_IOS])
    r = await kit.create(
        package_version=version, target=[{"dimension": "os", "op": "in", "values": ["ios"]}]
    )
    assert r.status_code == 409
    # Another channel, or a finished release, does not block.
    await kit.created(package_version=version, target=same, channel="beta")
    await kit.created(package_version=version, target=same, channel="beta")  # beta's 1st: done
    r = await kit.create(package_version=version, target=same, channel="beta")
    assert r.status_code == 409
    await kit.act(first["id"], "discard")
    await kit.created(package_version=version, target=same)


async def test_concurrent_conflicting_creations_exactly_one_wins(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    version = await kit.package()
    await kit.created(package_version=version)
    before = await counts(kit)
    responses = await asyncio.gather(
        *(kit.create(package_version=version, target=[OS_IOS]) for _ in range(8))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 7, [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {
        "release_conflict"
    }
    releases, _, audits, _ = await counts(kit)
    assert (releases, audits) == (before[0] + 1, before[2] + 1)


async def test_concurrent_first_releases_of_a_channel(kit: ReleaseKit) -> None:
    version = await kit.package()
    responses = await asyncio.gather(*(kit.create(package_version=version) for _ in range(4)))
    # One is the first release (live at once), the next waits as created; the other two have
    # the same (empty) target as that unfinished one.
    assert sorted(r.status_code for r in responses) == [201, 201, 409, 409]
    created = sorted(r.json()["status"] for r in responses if r.status_code == 201)
    assert created == ["concluded", "created"]


async def test_edit_before_ramp_only(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    v1 = await kit.package(properties={"v": 1})
    v2 = await kit.package(properties={"v": 2})
    await kit.file("extra.json")
    await kit.created(package_version=v1)
    draft = await kit.created(package_version=v1, resources=["extra.json"], percentage=1)
    start = await kit.revision()
    r = await kit.client.patch(
        f"{kit.base}/releases/{draft['id']}",
        json={
            "package_version": v2,
            "config": {"release_config_timeout": 50},
            "target": [OS_IOS],
            "percentage": 2.5,
            "binary_version_range": ">=1.0.0",
            "mandatory": True,
        },
        headers=kit.owner.headers,
    )
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["package"]["version"] == v2
    assert edited["package_properties"] == {"v": 2}  # follows the package unless given
    assert edited["config"]["release_config_timeout"] == 50
    assert edited["config"]["boot_timeout"] == 1000
    assert edited["target"] == [OS_IOS]
    assert (edited["percentage"], edited["binary_version_range"]) == (2.5, ">=1.0.0")
    assert [res["path"] for res in edited["resources"]] == ["extra.json"]
    assert edited["history"][-1]["details"]["changed"] == [
        "binary_version_range",
        "config",
        "mandatory",
        "package_version",
        "percentage",
        "target",
    ]
    r = await kit.client.patch(
        f"{kit.base}/releases/{draft['id']}",
        json={"binary_version_range": None, "package_properties": {"own": True}, "resources": []},
        headers=kit.owner.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["binary_version_range"] is None
    assert r.json()["package_properties"] == {"own": True}
    assert r.json()["resources"] == []
    assert await kit.revision() == start  # a created release serves nobody
    await kit.act(draft["id"], "ramp")
    r = await kit.client.patch(
        f"{kit.base}/releases/{draft['id']}", json={"notes": "late"}, headers=kit.owner.headers
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "release_not_editable")


async def test_edit_revalidates_resources_against_a_new_package(kit: ReleaseKit) -> None:
    v1 = await kit.package()
    await kit.file("shared.js")
    await kit.created(package_version=v1)
    draft = await kit.created(package_version=v1, resources=["shared.js"])
    v2 = await kit.package(important=("shared.js",))
    r = await kit.client.patch(
        f"{kit.base}/releases/{draft['id']}",
        json={"package_version": v2},
        headers=kit.owner.headers,
    )
    assert (r.status_code, r.json()["error"]["code"]) == (400, "resource_in_package")
    assert (await kit.show(draft["id"]))["package"]["version"] == v1


async def test_edit_into_a_conflicting_target_is_refused(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    version = await kit.package()
    await kit.created(package_version=version)
    ios = await kit.created(package_version=version, target=[OS_IOS])
    everyone = await kit.created(package_version=version)
    r = await kit.client.patch(
        f"{kit.base}/releases/{everyone['id']}",
        json={"target": [OS_IOS]},
        headers=kit.owner.headers,
    )
    assert r.status_code == 409
    assert r.json()["error"]["details"]["release_id"] == ios["id"]
    r = await kit.client.patch(
        f"{kit.base}/releases/{everyone['id']}",
        json={"target": [OS_IOS], "channel": "beta"},
        headers=kit.owner.headers,
    )
    assert r.status_code == 200, r.text


async def test_database_index_backs_up_the_unfinished_target_rule(kit: ReleaseKit) -> None:
    """Even past the service's checks, the partial unique index refuses a second unfinished
    release of one target and channel, and ignores finished ones."""
    version = await kit.package()
    base = await kit.created(package_version=version)
    async with kit.app.ctx.db.unit_of_work() as session:
        package_id = await session.scalar(select(Release.package_id))
        row = await session.get(Release, base["id"])
        assert row is not None
        key = row.target_key

    def release(status: str, channel: str = "production") -> Release:
        return Release(
            app_id=kit.app_id,
            package_id=package_id,
            target=[],
            target_key=key,
            channel=channel,
            status=status,
        )

    async with kit.app.ctx.db.unit_of_work() as session:  # finished ones never conflict
        session.add_all([release(s) for s in ("concluded", "superseded", "discarded", "retired")])
        session.add_all([release("paused"), release("created", "beta")])
    for status in ("created", "in_progress", "paused"):
        with pytest.raises(IntegrityError):
            async with kit.app.ctx.db.unit_of_work() as session:
                session.add(release(status))


async def test_nul_in_free_text_is_refused_cleanly(kit: ReleaseKit) -> None:
    """PostgreSQL cannot store NUL in text or JSONB; SQLite can. Either way: never a 500."""
    version = await kit.package()
    before = await kit.statuses()
    r = await kit.create(
        package_version=version, notes="a\u0000b", config={"properties": {"k": "x\u0000y"}}
    )
    assert r.status_code in (201, 400), r.text
    if r.status_code == 400:
        assert r.json()["error"]["code"] == "invalid_data"
        assert await kit.statuses() == before
