"""Seed an Expo application straight into the database (bulk inserts, no API).

`bench/expo`: the two Expo dimensions, 3 runtime versions x 2 platforms x 2 channels of
concluded updates (24 packages of a bundle and 30 assets), 4 staged rollouts at 10-50 %, and
`history` superseded updates on the same targets (devices may still run them).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from seed import _file, _insert_one, _release_row
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.expo.manifest import KIND_UPDATE
from tradewind.expo.snapshot import PLATFORM_DIMENSION, RUNTIME_DIMENSION
from tradewind.models import Application, Dimension, Organisation, Package, PackageFile, Release
from tradewind.targeting.conditions import Condition

RUNTIMES = ("1.0.0", "1.1.0", "2.0.0")
PLATFORMS = ("android", "ios")
CHANNELS = ("production", "staging")
ASSETS = 30
ROLLING = (("production", "android", "2.0.0", 1000), ("production", "ios", "2.0.0", 2500),
           ("staging", "android", "1.1.0", 5000), ("staging", "ios", "1.0.0", 5000))  # fmt: skip


async def _expo_package(
    session: AsyncSession,
    app_id: int,
    version: int,
    platform: str,
    runtime: str,
    rng: random.Random,
) -> int:
    bundle = await _file(
        session, app_id, f"_expo/static/js/{platform}/index-{version}.hbc", version, rng
    )
    paths = [f"assets/{rng.getrandbits(128):032x}" for _ in range(ASSETS)]
    assets = [await _file(session, app_id, path, version, rng) for path in paths]
    expo = {
        "kind": KIND_UPDATE,
        "platform": platform,
        "runtime_version": runtime,
        "assets": [{"path": path, "ext": "png"} for path in paths],
        "expo_config": {"name": "Bench", "slug": "bench"},
    }
    properties = {"expo": expo}
    package_id = await _insert_one(
        session, Package, app_id=app_id, version=version, index_file_id=bundle,
        properties=properties, notes="",
    )  # fmt: skip
    rows = [{"package_id": package_id, "file_id": bundle, "kind": "index", "position": 0}]
    rows += [
        {"package_id": package_id, "file_id": fid, "kind": "important", "position": n + 1}
        for n, fid in enumerate(assets)
    ]
    await session.execute(insert(PackageFile), rows)
    return package_id


def _target(platform: str, runtime: str) -> tuple[Condition, ...]:
    return (
        Condition(PLATFORM_DIMENSION, "eq", (platform,)),
        Condition(RUNTIME_DIMENSION, "eq", (runtime,)),
    )


async def seed_expo(session: AsyncSession, history: int) -> int:
    """The `bench/expo` application; returns how many releases it has."""
    rng = random.Random(4321)
    org_id = await session.scalar(select(Organisation.id).where(Organisation.name == "bench"))
    assert org_id is not None
    app_id = await _insert_one(
        session, Application, org_id=org_id, name="expo", display_name="Expo", revision=1,
        last_package_version=0,
    )  # fmt: skip
    await session.execute(
        insert(Dimension),
        [
            {"app_id": app_id, "name": name, "type": "string", "position": i, "description": ""}
            for i, name in enumerate((PLATFORM_DIMENSION, RUNTIME_DIMENSION))
        ],
    )
    version = 0
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []

    async def release(channel: str, platform: str, runtime: str, status: str, bp: int) -> None:
        nonlocal version
        version += 1
        package = await _expo_package(session, app_id, version, platform, runtime, rng)
        at = start + timedelta(minutes=version)
        row = _release_row(app_id, package, _target(platform, runtime), status, bp, at, rng)
        rows.append({**row, "channel": channel, "package_properties": {}})

    targets = [(c, p, r) for c in CHANNELS for p in PLATFORMS for r in RUNTIMES]
    for n in range(history):
        await release(*targets[n % len(targets)], "superseded", 10_000)
    for target in targets:
        await release(*target, "concluded", 10_000)
    for channel, platform, runtime, bp in ROLLING:
        await release(channel, platform, runtime, "in_progress", bp)
    await session.execute(insert(Release), rows)
    await session.execute(
        Application.__table__.update()  # type: ignore[attr-defined]
        .where(Application.id == app_id)
        .values(last_package_version=version)
    )
    return len(rows)
