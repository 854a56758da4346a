"""Seed a realistic application straight into the database (bulk inserts, no API).

One application: 10 dimensions, packages of 50 files each (1 index, 9 important, 40 lazy),
20 live releases (15 concluded baselines of distinct targets, 5 in progress at various
percentages) and a history of superseded / discarded releases on the same targets, consistent
with the release model (one unfinished release per exact target, one concluded per target).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import (
    Application,
    Blob,
    Dimension,
    File,
    Organisation,
    Package,
    PackageFile,
    Release,
    ReleaseResource,
)
from tradewind.releases.content import canonical
from tradewind.targeting.conditions import Condition

DIMENSIONS = [
    ("os", "string"),
    ("app-version", "semver"),
    ("country", "string"),
    ("city", "string"),
    ("merchant", "string"),
    ("network", "string"),
    ("device-model", "string"),
    ("language", "string"),
    ("carrier", "string"),
    ("segment", "string"),
]

C = Condition
CONCLUDED_TARGETS: list[tuple[Condition, ...]] = [
    (),
    (C("os", "eq", ("android",)),),
    (C("os", "eq", ("ios",)),),
    (C("os", "eq", ("ios",)), C("app-version", "semver", (">=2.0.0",))),
    (C("country", "in", ("in", "lk", "bd")),),
    (C("merchant", "eq", ("m1",)),),
    (C("merchant", "eq", ("m2",)),),
    (C("language", "eq", ("hi",)),),
    (C("os", "eq", ("android",)), C("country", "eq", ("in",))),
    (C("segment", "eq", ("beta",)),),
    (C("carrier", "in", ("jio", "airtel")),),
    (C("network", "eq", ("wifi",)), C("os", "eq", ("android",))),
    (C("city", "eq", ("blr",)),),
    (C("device-model", "in", ("pixel-7", "pixel-8")),),
    (C("app-version", "semver", ("^3.0.0",)),),
]
# (target, rollout in basis points)
ROLLING: list[tuple[tuple[Condition, ...], int]] = [
    ((), 500),
    ((C("os", "eq", ("android",)), C("app-version", "semver", (">=2.1.0",))), 1000),
    ((C("country", "eq", ("in",)),), 2500),
    ((C("merchant", "eq", ("m1",)), C("segment", "eq", ("beta",))), 5000),
    ((C("language", "eq", ("hi",)), C("os", "eq", ("ios",))), 7500),
]
PACKAGES = 20
FILES_PER_PACKAGE = 50
IMPORTANT_PER_PACKAGE = 9


@dataclass(frozen=True)
class Seeded:
    org: str
    app: str
    app_id: int
    releases: int
    live: int


def _sha(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


async def seed_app(
    session: AsyncSession, org_id: int, name: str, history: int, rng: random.Random
) -> Seeded:
    """An application with `history` past releases plus the 20 live ones."""
    app_id = await _insert_one(
        session,
        Application,
        org_id=org_id,
        name=name,
        display_name=name,
        revision=1,
        last_package_version=PACKAGES,
    )
    await session.execute(
        insert(Dimension),
        [
            {"app_id": app_id, "name": n, "type": t, "position": i, "description": ""}
            for i, (n, t) in enumerate(DIMENSIONS)
        ],
    )
    package_ids = [await _package(session, app_id, version, rng) for version in range(1, 21)]
    resources = [await _file(session, app_id, f"res/config-{i}.json", i, rng) for i in range(6)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = _history_rows(app_id, history, package_ids, start, rng)
    rows += _live_rows(app_id, package_ids, start + timedelta(minutes=history + 10), rng)
    query = insert(Release).returning(Release.id, sort_by_parameter_order=True)
    ids = (await session.execute(query, rows)).scalars().all()
    live_ids = list(ids)[history:]
    await session.execute(
        insert(ReleaseResource),
        [
            {"release_id": rid, "file_id": fid}
            for rid in live_ids
            for fid in rng.sample(resources, 2)
        ],
    )
    return Seeded("bench", name, app_id, len(rows), len(live_ids))


async def seed(session: AsyncSession, history_sizes: dict[str, int]) -> list[Seeded]:
    rng = random.Random(1234)
    org_id = await _insert_one(session, Organisation, name="bench", display_name="Bench")
    return [
        await seed_app(session, org_id, name, history, rng)
        for name, history in history_sizes.items()
    ]


async def _insert_one(session: AsyncSession, model: Any, **values: Any) -> int:
    result = await session.execute(insert(model).returning(model.id), [values])
    return int(result.scalar_one())


async def _file(
    session: AsyncSession, app_id: int, path: str, salt: object, rng: random.Random
) -> int:
    sha = _sha(app_id, path, salt)
    size = rng.randint(200, 2_000_000)
    blob_id = await _insert_one(
        session,
        Blob,
        app_id=app_id,
        sha256=sha,
        size=size,
        storage_key=f"apps/{app_id}/sha256/{sha}",
        content_type="application/octet-stream",
    )
    return await _insert_one(
        session,
        File,
        app_id=app_id,
        path=path,
        sha256=sha,
        size=size,
        content_type="application/octet-stream",
        blob_id=blob_id,
    )


async def _package(session: AsyncSession, app_id: int, version: int, rng: random.Random) -> int:
    paths = ["index.android.bundle"]
    paths += [f"js/chunk-{i:02d}.js" for i in range(IMPORTANT_PER_PACKAGE)]
    paths += [f"assets/img/asset-{i:02d}.png" for i in range(FILES_PER_PACKAGE - len(paths))]
    file_ids = [await _file(session, app_id, path, version, rng) for path in paths]
    package_id = await _insert_one(
        session,
        Package,
        app_id=app_id,
        version=version,
        index_file_id=file_ids[0],
        properties={"build": f"b{version}"},
        notes="",
    )
    kinds = ["index"] + ["important"] * IMPORTANT_PER_PACKAGE
    kinds += ["lazy"] * (FILES_PER_PACKAGE - len(kinds))
    await session.execute(
        insert(PackageFile),
        [
            {"package_id": package_id, "file_id": fid, "kind": kind, "position": pos}
            for pos, (fid, kind) in enumerate(zip(file_ids, kinds, strict=True))
        ],
    )
    return package_id


def _release_row(
    app_id: int,
    package_id: int,
    target: tuple[Condition, ...],
    status: str,
    rollout_bp: int,
    at: datetime,
    rng: random.Random,
) -> dict[str, Any]:
    canon = canonical(target)
    live = status in ("concluded", "in_progress")
    return {
        "app_id": app_id,
        "package_id": package_id,
        "boot_timeout": 4000,
        "release_config_timeout": 2000,
        "config_properties": {"feature_flag": rng.random() < 0.5, "theme": {"color": "blue"}},
        "package_properties": {"build": "b"},
        "target": canon.conditions,
        "target_key": canon.key,
        "channel": "production",
        "mandatory": False,
        "status": status,
        "rollout_bp": rollout_bp,
        "notes": "",
        "created_at": at,
        "updated_at": at,
        "started_at": at if live or status == "superseded" else None,
        "concluded_at": at if status in ("concluded", "superseded") else None,
    }


def _history_rows(
    app_id: int, count: int, packages: list[int], start: datetime, rng: random.Random
) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        target = rng.choice(CONCLUDED_TARGETS)
        status = "superseded" if rng.random() < 0.8 else "discarded"
        at = start + timedelta(minutes=n)
        rows.append(_release_row(app_id, rng.choice(packages), target, status, 10_000, at, rng))
    return rows


def _live_rows(
    app_id: int, packages: list[int], start: datetime, rng: random.Random
) -> list[dict[str, Any]]:
    rows = []
    for n, target in enumerate(CONCLUDED_TARGETS):
        at = start + timedelta(minutes=n)
        rows.append(_release_row(app_id, packages[n], target, "concluded", 10_000, at, rng))
    for n, (target, bp) in enumerate(ROLLING):
        at = start + timedelta(minutes=100 + n)
        package = packages[len(CONCLUDED_TARGETS) + n]
        rows.append(_release_row(app_id, package, target, "in_progress", bp, at, rng))
    return rows


async def app_ids(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Application.name, Application.id))
    return {name: app_id for name, app_id in rows}
