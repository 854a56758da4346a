"""Several real server processes, each running the guard loop often, judge the same bad
release at the same moments: it is paused once, with one audit event and one trip record."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
from fixtures import database
from fixtures.guards import GuardKit
from fixtures.processes import tradewind_serve
from sqlalchemy import func, select

from tradewind.models import GuardTrip

FAST = {"guard_interval_seconds": "0.1", "signals_flush_interval_seconds": "0.2"}
# Upper bound for the servers' loops to act; not a timing claim.
DEADLINE_SECONDS = 60.0


async def post_failures(base: str, key: str, release_id: int, devices: range) -> None:
    events = [
        {
            "org_id": "acme",
            "app_id": "shop",
            "device_id": f"device-{n}",
            "event_type": "APPLY_FAILURE",
            "release_id": str(release_id),
        }
        for n in devices
    ]
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        r = await http.post("/analytics/events", json=events, headers={"x-ingest-key": key})
    assert r.status_code == 200, r.text


async def test_many_evaluators_pause_once(
    kit: GuardKit, test_database: database.TestDatabase, data_dir: Path
) -> None:
    _, release_id = await kit.staged()
    await kit.put(f"/releases/{release_id}/guard", {"min_sample": 50, "max_failure_rate": 0.1})
    owner = kit.releases.owner.headers
    key = (await kit.releases.client.get(kit.base, headers=owner)).json()["ingest_key"]

    async with AsyncExitStack() as servers:
        bases = [
            await servers.enter_async_context(
                tradewind_serve(test_database.url, data_dir / name, workers=2, **FAST)
            )
            for name in ("a", "b")
        ]
        await asyncio.gather(
            *(
                post_failures(base, key, release_id, range(n * 30, n * 30 + 30))
                for n, base in enumerate(bases)
            )
        )
        deadline = time.monotonic() + DEADLINE_SECONDS
        while (await kit.releases.statuses())[release_id] != "paused":
            assert time.monotonic() < deadline, "the guard never paused the release"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # ten more passes of every evaluator: none may act again

    [pause] = await kit.audit("release.pause")
    assert pause.actor_label == "guard"
    assert pause.details["guard"]["trials"] >= 50
    async with kit.releases.app.ctx.db.unit_of_work() as session:
        trips = await session.scalar(select(func.count()).select_from(GuardTrip))
    assert trips == 1
