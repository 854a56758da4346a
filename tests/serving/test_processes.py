"""Real `tradewind serve` processes: a change reaches every worker; a database outage does
not stop serving, turns readiness off, and heals by itself."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fixtures import database
from fixtures.processes import TcpProxy, tradewind_serve
from fixtures.serving import DeviceKit
from sqlalchemy.engine import make_url

DEADLINE_SECONDS = 20.0  # bounds a broken test only; the figures are printed
FRESH_CONNECTIONS = 24  # several per worker: each request opens its own connection


async def versions_seen(base: str, count: int = FRESH_CONNECTIONS) -> set[str]:
    """config.version from `count` update checks, each on a new TCP connection, so that the
    kernel spreads them over the server's worker processes."""
    seen = set()
    for _ in range(count):
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            r = await http.get("/release/acme/shop", headers={"x-dimension": "os=android"})
        seen.add(r.json()["config"]["version"] if r.status_code == 200 else f"HTTP {r.status_code}")
    return seen


async def readiness(base: str, count: int = FRESH_CONNECTIONS) -> set[int]:
    """/health/ready statuses over fresh connections (so from every worker)."""
    statuses = set()
    for _ in range(count):
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            statuses.add((await http.get("/health/ready")).status_code)
    return statuses


async def snapshot_checks(base: str, count: int = FRESH_CONNECTIONS) -> set[bool]:
    """Whether the "snapshots" readiness check is ok, over fresh connections."""
    seen = set()
    for _ in range(count):
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            seen.add((await http.get("/health/ready")).json()["checks"]["snapshots"] == "ok")
    return seen


async def wait_for(probe: Callable[[], Awaitable[bool]]) -> float:
    """Seconds until `probe()` holds; fails the test after DEADLINE_SECONDS."""
    start = time.monotonic()
    while not await probe():
        assert time.monotonic() - start < DEADLINE_SECONDS, "condition never reached"
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def test_a_release_change_reaches_every_worker(
    kit: DeviceKit, test_database: database.TestDatabase, data_dir: Path
) -> None:
    first = await kit.live(await kit.package())
    async with tradewind_serve(test_database.url, data_dir, workers=2) as base:
        assert await versions_seen(base) == {str(first)}
        second = await kit.created(package_version=await kit.package())
        r = await kit.act(second["id"], "ramp", json={"percentage": 100})
        assert r.status_code == 200
        r = await kit.act(second["id"], "conclude")  # committed before the response
        assert r.status_code == 200
        committed = time.monotonic()
        # Fresh connections until FRESH_CONNECTIONS answers in a row are the new release;
        # the last old answer bounds when the slower worker switched.
        last_old, new_in_a_row = committed, 0
        while new_in_a_row < FRESH_CONNECTIONS:
            assert time.monotonic() - committed < DEADLINE_SECONDS, "change never arrived"
            (version,) = await versions_seen(base, 1)
            if version == str(second["id"]):
                new_in_a_row += 1
            else:
                assert version == str(first), version
                last_old, new_in_a_row = time.monotonic(), 0
        print(f"\nlast stale answer {last_old - committed:.2f}s after the commit")
        assert await versions_seen(base, 40) == {str(second["id"])}


@pytest.mark.skipif(
    not os.environ.get("TRADEWIND_TEST_DATABASE_URL"),
    reason="needs PostgreSQL (TRADEWIND_TEST_DATABASE_URL): the proxy sits in front of it",
)
async def test_serving_survives_a_database_outage(
    kit: DeviceKit, test_database: database.TestDatabase, data_dir: Path
) -> None:
    first = await kit.live(await kit.package())
    url = make_url(test_database.url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port)
    database_url = through_proxy.render_as_string(hide_password=False)
    async with tradewind_serve(
        database_url, data_dir, workers=2, snapshot_poll_interval_seconds="0.2"
    ) as base:

        async def ready_everywhere() -> bool:
            return await readiness(base) == {200}

        async def stale_everywhere() -> bool:
            return await snapshot_checks(base) == {False}

        async def all_new() -> bool:
            return await versions_seen(base) == {str(second)}

        assert await versions_seen(base) == {str(first)}
        await proxy.stop()  # the database is gone for the server
        await wait_for(stale_everywhere)
        assert await readiness(base) == {503}
        assert await versions_seen(base) == {str(first)}  # still serving the last snapshot
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            body = (await http.get("/health/ready")).json()
            assert body["checks"]["database"] != "ok"
            assert body["checks"]["snapshots"].startswith("stale: ")
            r = await http.get("/release/acme/shop", headers={"if-none-match": "*"})
            assert r.status_code == 304
        # A change committed while the server cannot see the database ...
        second = await kit.live(await kit.package())
        assert await versions_seen(base) == {str(first)}
        await proxy.start()  # ... arrives once it can again, without any restart.
        await wait_for(ready_everywhere)
        await wait_for(all_new)
    await proxy.stop()
