"""The property schema API: declarative replacement, 400 on bad schemas, 409 on live conflicts,
values validated at release creation, defaults resolved into the device document."""

from __future__ import annotations

import copy

from fixtures.remoteconfig import SCHEMA, put_schema, served_properties
from fixtures.serving import DeviceKit
from fixtures.users import UserFactory
from sqlalchemy import func, select

from tradewind.models import ConfigProperty


async def test_put_get_round_trip_and_declarative_removal(kit: DeviceKit) -> None:
    r = await put_schema(kit, SCHEMA)
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["theme"]["default_value"] == {"primary": "blue"}
    got = await kit.client.get(f"{kit.base}/properties/schema", headers=kit.owner.headers)
    assert got.json() == r.json()
    assert got.json()["properties"]["retries"]["schema"] == {"type": "integer", "minimum": 0}
    smaller = {"retries": {**SCHEMA["retries"], "default_value": 5, "description": "x"}}
    r = await put_schema(kit, smaller)
    assert r.status_code == 200, r.text
    assert set(r.json()["properties"]) == {"retries"}
    assert r.json()["properties"]["retries"]["default_value"] == 5


async def test_null_default_is_kept(kit: DeviceKit) -> None:
    r = await put_schema(
        kit, {"banner": {"default_value": None, "schema": {"type": ["string", "null"]}}}
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["banner"]["default_value"] is None


async def _rows(kit: DeviceKit) -> int:
    async with kit.app.ctx.db.unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(ConfigProperty)) or 0)


async def test_bad_schemas_are_400_and_leave_nothing(kit: DeviceKit) -> None:
    assert (await put_schema(kit, SCHEMA)).status_code == 200
    before = await _rows(kit)
    cases = {
        "invalid_schema": {"x": {"default_value": 1, "schema": {"type": "wat"}}},
        "default_violates_schema": {"x": {"default_value": "s", "schema": {"type": "integer"}}},
        "invalid_name": {"bad name": {"default_value": 1, "schema": {}}},
    }
    for problem, body in cases.items():
        r = await put_schema(kit, {**SCHEMA, **body})
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["code"] == "invalid_property_schema"
        assert error["details"]["problem"] == problem
    remote_ref = {"x": {"default_value": 1, "schema": {"$ref": "http://127.0.0.1:9/s.json"}}}
    r = await put_schema(kit, remote_ref)
    assert r.status_code == 400 and "cannot be resolved" in r.json()["error"]["message"]
    nested = {
        "x": {"default_value": {"a": "s"}, "schema": {"properties": {"a": {"type": "integer"}}}}
    }
    r = await put_schema(kit, nested)
    assert r.json()["error"]["details"]["path"] == "/a"
    assert await _rows(kit) == before
    r = await put_schema(kit, {"x": {"schema": {}}})  # no default_value
    assert r.status_code == 422


async def test_device_gets_defaults_overlaid_by_the_release(kit: DeviceKit) -> None:
    assert (await put_schema(kit, SCHEMA)).status_code == 200
    v1 = await kit.package()
    await kit.live(v1, config={"properties": {"theme": {"accent": "red", "primary": "green"}}})
    assert await served_properties(kit) == {
        "new_checkout": False,
        "retries": 3,
        "theme": {"accent": "red", "primary": "green"},
    }
    # A new default reaches devices at once, for every property the release does not set.
    changed = copy.deepcopy(SCHEMA)
    changed["retries"]["default_value"] = 7
    assert (await put_schema(kit, changed)).status_code == 200
    await kit.refresh()
    assert (await served_properties(kit))["retries"] == 7


async def test_values_failing_the_schema_are_400_naming_the_property(kit: DeviceKit) -> None:
    assert (await put_schema(kit, SCHEMA)).status_code == 200
    v1 = await kit.package()
    r = await kit.create(package_version=v1, config={"properties": {"retries": -1}})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "invalid_property_value"
    assert error["details"]["property"] == "retries"
    assert error["details"]["problem"] == "schema_violation"
    assert "minimum" in error["details"]["error"] or "less than" in error["details"]["error"]
    r = await kit.create(package_version=v1, config={"properties": {"nope": 1}})
    assert r.json()["error"]["details"] | {"error": ""} == {
        "property": "nope",
        "problem": "unknown_property",
        "error": "",
        "path": "",
    }
    r = await kit.create(package_version=v1, config={"properties": {"theme": {"accent": "x"}}})
    assert r.json()["error"]["details"]["property"] == "theme"
    assert await kit.statuses() == {}
    await kit.live(v1)
    release = await kit.created(package_version=v1, config={"properties": {"retries": 1}})
    r = await kit.client.patch(
        f"{kit.base}/releases/{release['id']}",
        json={"config": {"properties": {"retries": "x"}}},
        headers=kit.owner.headers,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_property_value"


async def test_schema_change_refused_while_a_live_release_breaks_it(kit: DeviceKit) -> None:
    assert (await put_schema(kit, SCHEMA)).status_code == 200
    v1 = await kit.package()
    live = await kit.live(v1, config={"properties": {"retries": 10}})
    theme = {"properties": {"theme": {"primary": "x"}}}
    pending = (await kit.created(package_version=v1, config=theme))["id"]
    stricter = copy.deepcopy(SCHEMA)
    stricter["retries"]["schema"]["maximum"] = 5
    del stricter["theme"]
    r = await put_schema(kit, stricter)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "property_schema_conflict"
    assert error["details"]["release_ids"] == [live, pending]
    problems = {
        (p["release_id"], p["property"], p["problem"]) for p in error["details"]["problems"]
    }
    assert problems == {
        (live, "retries", "schema_violation"),
        (pending, "theme", "unknown_property"),
    }
    got = await kit.client.get(f"{kit.base}/properties/schema", headers=kit.owner.headers)
    assert set(got.json()["properties"]) == set(SCHEMA)  # nothing changed
    assert (await kit.act(pending, "discard")).status_code == 200
    del stricter["retries"]["schema"]["maximum"]
    assert (await put_schema(kit, stricter)).status_code == 200


async def test_only_admins_edit_the_schema(kit: DeviceKit, users: UserFactory) -> None:
    writer = await kit.member(users, "write")
    r = await kit.client.put(
        f"{kit.base}/properties/schema", json={"properties": SCHEMA}, headers=writer.headers
    )
    assert r.status_code == 403
    r = await kit.client.get(f"{kit.base}/properties/schema", headers=writer.headers)
    assert r.status_code == 200 and r.json() == {"properties": {}}
