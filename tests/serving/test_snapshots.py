"""Snapshots: picked up by the watcher, no database per request, outages, readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from fixtures.database import counted_statements
from fixtures.serving import DEVICE_PATHS, DeviceKit, running_app
from httpx import AsyncClient, Response
from sqlalchemy import update

from tradewind.db import Database
from tradewind.models import Application, Organisation
from tradewind.serving.watcher import refresh_once

# Generous: the watcher polls every 0.5 s; this only bounds a broken test's runtime.
DEADLINE_SECONDS = 15.0


async def eventually(check: Any, predicate: Any) -> Response:
    """Repeat `check()` until `predicate(response)` holds (or the deadline passes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    while True:
        response: Response = await check()
        if predicate(response) or loop.time() > deadline:
            return response
        await asyncio.sleep(0.05)


async def test_watcher_swaps_in_changes_by_itself(kit: DeviceKit) -> None:
    first = await kit.created(package_version=await kit.package())  # no explicit refresh
    r = await eventually(kit.check, lambda r: r.status_code == 200)
    assert r.status_code == 200 and r.json()["config"]["version"] == str(first["id"])
    second = await kit.created(package_version=await kit.package())
    assert (await kit.act(second["id"], "ramp", json={"percentage": 100})).status_code == 200
    assert (await kit.act(second["id"], "conclude")).status_code == 200
    r = await eventually(kit.check, lambda r: r.json()["config"]["version"] == str(second["id"]))
    assert r.json()["config"]["version"] == str(second["id"])


async def test_no_database_query_per_request(kit: DeviceKit) -> None:
    await kit.live(await kit.package())
    quiet = kit.app.ctx.settings.model_copy(update={"snapshot_poll_interval_seconds": 60})
    async with running_app(quiet) as (other, http):
        with counted_statements(other.ctx.db) as statements:
            for n in range(50):
                r = await http.get(DEVICE_PATHS[n % 3], params={"toss": f"d{n}"})
                assert r.status_code == 200
            assert (await http.get("/release/acme/nope")).status_code == 404
        assert statements == []
        with counted_statements(other.ctx.db) as statements:
            await other.ctx.snapshots.refresh()
        # Nothing changed: the revision poll and no rebuild (background loops such as the
        # CodePush diff builder or webhook delivery may query meanwhile; not part of it).
        assert any("applications.revision" in s for s in statements)
        assert not [s for s in statements if "FROM releases" in s]


async def test_only_changed_applications_are_rebuilt(kit: DeviceKit, client: AsyncClient) -> None:
    await kit.live(await kit.package())
    r = await client.post(
        "/api/v1/orgs/acme/apps", json={"name": "other"}, headers=kit.owner.headers
    )
    assert r.status_code == 201
    store = kit.app.ctx.snapshots
    result = await store.refresh()
    assert result.rebuilt == ("acme/other",)
    before = store.apps["acme/shop"]
    await kit.live(await kit.package())  # refreshes
    assert store.apps["acme/shop"] is not before
    assert (await store.refresh()).rebuilt == ()


async def test_created_deleted_and_renamed_applications(
    kit: DeviceKit, client: AsyncClient
) -> None:
    await kit.live(await kit.package())
    assert (await kit.check()).status_code == 200
    async with kit.app.ctx.db.unit_of_work() as session:  # no rename API: as an admin would
        await session.execute(update(Application).values(name="store"))
        await session.execute(update(Organisation).values(name="acme-corp"))
    await kit.refresh()
    assert (await kit.check()).headers["x-tradewind-error"] == "application_not_found"
    r = await kit.check("/release/acme-corp/store")
    assert r.status_code == 200 and r.json()["package"]["name"] == "store"
    # Deletion (of an app without packages: deleting one with packages is the API's business).
    r = await client.post(
        "/api/v1/orgs/acme-corp/apps", json={"name": "x1"}, headers=kit.owner.headers
    )
    assert r.status_code == 201
    await kit.refresh()
    assert (await kit.check("/release/acme-corp/x1")).headers["x-tradewind-error"] == "no_release"
    r = await client.delete("/api/v1/orgs/acme-corp/apps/x1", headers=kit.owner.headers)
    assert r.status_code == 204, r.text
    await kit.refresh()
    r = await kit.check("/release/acme-corp/x1")
    assert r.headers["x-tradewind-error"] == "application_not_found"
    assert set(kit.app.ctx.snapshots.apps) == {"acme-corp/store"}


async def test_readiness_includes_snapshots(kit: DeviceKit) -> None:
    r = await kit.client.get("/health/ready")
    assert r.status_code == 200, r.text
    assert r.json()["checks"]["snapshots"] == "ok"


async def test_database_outage_keeps_serving_and_reports_not_ready(kit: DeviceKit) -> None:
    release = await kit.live(await kit.package())
    store = kit.app.ctx.snapshots
    working = store.db
    broken = Database(f"sqlite+aiosqlite:///{kit.app.ctx.settings.data_dir}/missing/dir/x.db")
    store.db = broken
    try:
        assert await refresh_once(store) is None
        # A poll already under way on the working database may still succeed once.
        ready = await eventually(
            lambda: kit.client.get("/health/ready"), lambda r: r.status_code == 503
        )
        assert ready.status_code == 503
        assert ready.json()["checks"]["snapshots"].startswith("stale: ")
        for path in DEVICE_PATHS:
            r = await kit.check(path)
            assert r.status_code == 200 and r.json()["config"]["version"] == str(release)
    finally:
        store.db = working
        await broken.dispose()
    r = await eventually(
        lambda: kit.client.get("/health/ready"), lambda r: r.status_code == 200
    )  # the watcher recovers by itself
    assert r.json()["checks"]["snapshots"] == "ok"


async def test_without_a_first_load_devices_get_503(kit: DeviceKit) -> None:
    data_dir = kit.app.ctx.settings.data_dir
    unreachable = kit.app.ctx.settings.model_copy(
        update={"database_url": f"sqlite:///{data_dir}/missing/dir/x.db"}
    )
    async with running_app(unreachable) as (other, http):
        assert not other.ctx.snapshots.loaded
        for path in [*DEVICE_PATHS, "/release/acme/nope"]:
            r = await http.get(path)
            assert r.status_code == 503
            assert r.headers["retry-after"] == "1"
            assert r.headers["x-tradewind-error"] == "snapshots_loading"
        ready = await http.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["snapshots"].startswith("loading")
