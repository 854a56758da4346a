"""Real `tradewind serve` processes: checks and events spread over two workers (and over a
restart, and over a database outage) add up exactly in the roll-ups."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from fixtures import database
from fixtures.processes import TcpProxy, tradewind_serve
from fixtures.serving import DeviceKit
from fixtures.signals import totals
from sqlalchemy.engine import make_url

FAST_FLUSH = {"signals_flush_interval_seconds": "0.3"}
Key = tuple[str, int, str]
# Each request on a new connection (so that the kernel spreads them over the workers), at most
# 16 at once: the point is that the counts add up, and hundreds of simultaneous connections on a
# loaded CI machine only made single requests wait past their timeout.
IN_FLIGHT = 16
TIMEOUT = httpx.Timeout(30.0, pool=300.0)


def new_connections(base: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=0)
    return httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits)


async def checks(base: str, release: int, count: int, offset: int = 0) -> Counter[Key]:
    """`count` update checks, each on a new connection (spread over the workers)."""

    async def one(http: httpx.AsyncClient, n: int) -> Key:
        version = str(n % 3)
        r = await http.get(
            "/release/acme/shop",
            params={"toss": f"device-{n}"} if n % 2 else None,
            headers={"x-package-version": version, "cache-control": "no-cache"},
        )
        assert r.status_code == 200, r.text
        return ("check", release, version)

    async with new_connections(base) as http:
        sent = Counter(await asyncio.gather(*(one(http, offset + n) for n in range(count))))
    anonymous = sum(1 for n in range(offset, offset + count) if n % 2 == 0)
    extra: Counter[Key] = Counter()
    for n in range(offset, offset + count):
        if n % 2 == 0:
            extra[("check_anonymous", release, str(n % 3))] += 1
    assert sum(extra.values()) == anonymous
    return sent + extra


async def events(base: str, key: str, release: int, batches: int) -> Counter[Key]:
    """`batches` posts of three events each, concurrently."""
    body = [
        {"event_type": "DOWNLOAD_COMPLETED", "target_js_version": "2"},
        {"event_type": "APPLY_SUCCESS", "target_js_version": "2"},
        {"event_type": "APPLY_FAILURE", "current_js_version": "1"},
    ]
    common = {"org_id": "acme", "app_id": "shop", "release_id": str(release)}

    async def one(http: httpx.AsyncClient, n: int) -> None:
        sent = [{**common, **e, "device_id": f"device-{n}"} for e in body]
        r = await http.post("/analytics/events", json=sent, headers={"x-ingest-key": key})
        assert r.status_code == 200, r.text

    async with new_connections(base) as http:
        await asyncio.gather(*(one(http, n) for n in range(batches)))
    return Counter(
        {
            ("download_completed", release, "2"): batches,
            ("install_succeeded", release, "2"): batches,
            ("install_failed", release, "1"): batches,
        }
    )


async def setup(kit: DeviceKit) -> tuple[int, str]:
    release = await kit.live(await kit.package())
    key = (await kit.client.get(kit.base, headers=kit.owner.headers)).json()["ingest_key"]
    return release, key


async def test_two_workers_and_a_restart_add_up(
    kit: DeviceKit, test_database: database.TestDatabase, data_dir: Path
) -> None:
    release, key = await setup(kit)
    url = test_database.url
    expected: Counter[Key] = Counter()
    async with AsyncExitStack() as second_server:
        async with AsyncExitStack() as first_server:
            first = await first_server.enter_async_context(
                tradewind_serve(url, data_dir / "a", workers=2, **FAST_FLUSH)
            )
            expected += await checks(first, release, 150)
            expected += await events(first, key, release, 40)
            second = await second_server.enter_async_context(
                tradewind_serve(url, data_dir / "b", workers=2, **FAST_FLUSH)
            )
            for sent in await asyncio.gather(
                checks(first, release, 100, offset=150),
                checks(second, release, 100, offset=250),
                events(first, key, release, 20),
                events(second, key, release, 20),
            ):
                expected += sent
        # The first server has stopped (flushing on its way out); the second goes on.
        expected += await checks(second, release, 50, offset=350)
    db = kit.app.ctx.db
    assert await totals(db, kit.app_id) == dict(expected)
    assert await totals(db, kit.app_id, "minute") == await totals(db, kit.app_id, "hour")


@pytest.mark.skipif(
    not os.environ.get("TRADEWIND_TEST_DATABASE_URL"),
    reason="needs PostgreSQL (TRADEWIND_TEST_DATABASE_URL): the proxy sits in front of it",
)
async def test_counts_held_through_a_database_outage(
    kit: DeviceKit, test_database: database.TestDatabase, data_dir: Path
) -> None:
    release, key = await setup(kit)
    url = make_url(test_database.url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    expected: Counter[Key] = Counter()
    try:
        async with tradewind_serve(through_proxy, data_dir, workers=2, **FAST_FLUSH) as base:
            expected += await checks(base, release, 60)
            await proxy.stop()
            expected += await checks(base, release, 60, offset=60)
            expected += await events(base, key, release, 10)
            await asyncio.sleep(1.5)  # several flushes fail meanwhile
            await proxy.start()
            expected += await checks(base, release, 30, offset=120)
    finally:
        await proxy.stop()
    assert await totals(kit.app.ctx.db, kit.app_id) == dict(expected)
