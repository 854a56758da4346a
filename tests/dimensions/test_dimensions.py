"""Dimensions: CRUD, dense positions (insert / move / delete), roles, revision, in-use refusal."""

from __future__ import annotations

from typing import Any

from fixtures.releases import ReleaseKit
from fixtures.users import UserFactory
from sqlalchemy import select

from tradewind.models import AuditEvent


async def positions(kit: ReleaseKit) -> list[tuple[str, int, int]]:
    r = await kit.client.get(f"{kit.base}/dimensions", headers=kit.owner.headers)
    assert r.status_code == 200, r.text
    return [(d["name"], d["position"], d["weight"]) for d in r.json()]


async def post(kit: ReleaseKit, **body: Any) -> Any:
    return await kit.client.post(f"{kit.base}/dimensions", json=body, headers=kit.owner.headers)


async def patch(kit: ReleaseKit, dimension: str, **body: Any) -> Any:
    return await kit.client.patch(
        f"{kit.base}/dimensions/{dimension}", json=body, headers=kit.owner.headers
    )


async def test_create_appends_and_inserts_shift_others(kit: ReleaseKit) -> None:
    r = await post(kit, name="os", description="platform")
    assert r.status_code == 201, r.text
    assert r.json() | {"created_at": None} == {
        "name": "os",
        "type": "string",
        "position": 0,
        "weight": 1,
        "description": "platform",
        "created_at": None,
    }
    await kit.dimension("app-version", "semver")
    assert await positions(kit) == [("os", 0, 1), ("app-version", 1, 2)]
    await kit.dimension("country", position=0)
    assert await positions(kit) == [("country", 0, 1), ("os", 1, 2), ("app-version", 2, 4)]
    await kit.dimension("merchant", position=2)
    assert [n for n, _, _ in await positions(kit)] == ["country", "os", "merchant", "app-version"]


async def test_move_up_and_down_keeps_positions_dense(kit: ReleaseKit) -> None:
    for name in ["a0", "a1", "a2", "a3"]:
        await kit.dimension(name)
    r = await patch(kit, "a0", position=3)
    assert r.status_code == 200, r.text
    assert r.json()["position"] == 3
    assert [n for n, _, _ in await positions(kit)] == ["a1", "a2", "a3", "a0"]
    r = await patch(kit, "a3", position=0)
    assert r.status_code == 200, r.text
    assert [n for n, _, _ in await positions(kit)] == ["a3", "a1", "a2", "a0"]
    r = await patch(kit, "a2", position=2, description="same place")
    assert r.status_code == 200
    assert [(n, p) for n, p, _ in await positions(kit)] == [
        ("a3", 0),
        ("a1", 1),
        ("a2", 2),
        ("a0", 3),
    ]
    shown = await kit.client.get(f"{kit.base}/dimensions/a2", headers=kit.owner.headers)
    assert shown.json()["description"] == "same place"


async def test_delete_closes_the_gap(kit: ReleaseKit) -> None:
    for name in ["a0", "a1", "a2"]:
        await kit.dimension(name)
    r = await kit.client.delete(f"{kit.base}/dimensions/a1", headers=kit.owner.headers)
    assert r.status_code == 204
    assert await positions(kit) == [("a0", 0, 1), ("a2", 1, 2)]
    again = await kit.client.delete(f"{kit.base}/dimensions/a1", headers=kit.owner.headers)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "dimension_not_found"


async def test_bad_inputs(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"name": "os"}, 409, "dimension_exists"),
        *[
            ({"name": bad}, 422, "validation_failed")
            for bad in ("a;b", "a=b", "a/b", " pad", "pad ", "tab\there", "nul\x00", "", "x" * 64)
        ],
        ({"name": "ok-name", "type": "number"}, 422, "validation_failed"),
        ({"name": "ok-name", "position": 2}, 400, "invalid_position"),
        ({"name": "ok-name", "position": -1}, 422, "validation_failed"),
        ({"name": "ok-name", "position": "1"}, 422, "validation_failed"),
        ({"name": "ok-name", "extra": 1}, 422, "validation_failed"),
    ]
    for body, status, code in cases:
        r = await post(kit, **body)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body
    assert await positions(kit) == [("os", 0, 1)]
    for body, status, code in [
        ({"position": 1}, 400, "invalid_position"),
        ({"name": "renamed"}, 422, "validation_failed"),
        ({"type": "semver"}, 422, "validation_failed"),
    ]:
        r = await patch(kit, "os", **body)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body
    missing = await patch(kit, "nope", position=0)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "dimension_not_found")
    assert await positions(kit) == [("os", 0, 1)]


async def test_too_many_dimensions(kit: ReleaseKit) -> None:
    for i in range(50):
        await kit.dimension(f"d{i}")
    r = await post(kit, name="one-more")
    assert (r.status_code, r.json()["error"]["code"]) == (400, "too_many_dimensions")


async def test_roles_read_lists_write_cannot_manage(kit: ReleaseKit, users: UserFactory) -> None:
    await kit.dimension("os")
    reader = await kit.member(users, "read")
    writer = await kit.member(users, "write")
    admin = await kit.member(users, "admin")
    listed = await kit.client.get(f"{kit.base}/dimensions", headers=reader.headers)
    assert listed.status_code == 200
    for who in (reader, writer):
        attempts = [
            kit.client.post(f"{kit.base}/dimensions", json={"name": "cc"}, headers=who.headers),
            kit.client.patch(
                f"{kit.base}/dimensions/os", json={"position": 0}, headers=who.headers
            ),
            kit.client.delete(f"{kit.base}/dimensions/os", headers=who.headers),
        ]
        for attempt in attempts:
            r = await attempt
            assert (r.status_code, r.json()["error"]["code"]) == (403, "insufficient_role")
    r = await kit.client.post(f"{kit.base}/dimensions", json={"name": "cc"}, headers=admin.headers)
    assert r.status_code == 201
    outsider = await kit.client.get(
        f"{kit.base}/dimensions", headers=(await users.create()).headers
    )
    assert outsider.status_code == 404


async def test_position_changes_bump_revision(kit: ReleaseKit) -> None:
    start = await kit.revision()
    await kit.dimension("a0")
    await kit.dimension("a1")
    assert await kit.revision() == start + 2
    await patch(kit, "a0", description="only words")
    assert await kit.revision() == start + 2
    await patch(kit, "a0", position=1)
    assert await kit.revision() == start + 3
    await kit.client.delete(f"{kit.base}/dimensions/a0", headers=kit.owner.headers)
    assert await kit.revision() == start + 4


async def test_delete_refused_while_a_release_targets_it(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    await kit.dimension("country")
    version = await kit.package()
    base = await kit.created(package_version=version)  # first release: concluded, no target
    assert base["status"] == "concluded"
    targeted = await kit.created(
        package_version=version, target=[{"dimension": "os", "op": "eq", "values": ["ios"]}]
    )
    r = await kit.client.delete(f"{kit.base}/dimensions/os", headers=kit.owner.headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "dimension_in_use"
    assert r.json()["error"]["details"] == {"release_ids": [targeted["id"]]}
    # Ramped and concluded, it still targets `os`; retiring it frees the dimension.
    assert (await kit.act(targeted["id"], "ramp", {"percentage": 10})).status_code == 200
    assert (await kit.act(targeted["id"], "conclude")).status_code == 200
    r = await kit.client.delete(f"{kit.base}/dimensions/os", headers=kit.owner.headers)
    assert r.status_code == 409
    assert (await kit.act(targeted["id"], "retire")).status_code == 200
    r = await kit.client.delete(f"{kit.base}/dimensions/os", headers=kit.owner.headers)
    assert r.status_code == 204
    # Country was never targeted; discarded releases do not hold a dimension either.
    draft = await kit.created(
        package_version=version, target=[{"dimension": "country", "op": "eq", "values": ["in"]}]
    )
    assert (await kit.act(draft["id"], "discard")).status_code == 200
    r = await kit.client.delete(f"{kit.base}/dimensions/country", headers=kit.owner.headers)
    assert r.status_code == 204


async def test_changes_are_audited(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    await patch(kit, "os", description="d")
    await kit.client.delete(f"{kit.base}/dimensions/os", headers=kit.owner.headers)
    async with kit.app.ctx.db.unit_of_work() as session:
        actions = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_type == "dimension")
                .order_by(AuditEvent.id)
            )
        )
    assert actions == ["dimension.create", "dimension.update", "dimension.delete"]


async def test_names_as_sdks_send_them(kit: ReleaseKit) -> None:
    """camelCase, dotted and snake_case keys are dimensions, case-sensitive, in URL paths too."""
    for name in ("appVersion", "device.model", "merchant_id", "AppVersion", "x"):
        r = await post(kit, name=name)
        assert r.status_code == 201, (name, r.text)
    r = await kit.client.get(f"{kit.base}/dimensions/device.model", headers=kit.owner.headers)
    assert r.status_code == 200 and r.json()["name"] == "device.model"
    r = await kit.client.delete(f"{kit.base}/dimensions/AppVersion", headers=kit.owner.headers)
    assert r.status_code == 204
    names = [
        d["name"]
        for d in (await kit.client.get(f"{kit.base}/dimensions", headers=kit.owner.headers)).json()
    ]
    assert "appVersion" in names and "AppVersion" not in names
