"""A CodePush deployment for the serve benchmark: 30 labelled releases of `bench/big`.

Ranges alternate between four binary-version ranges, every fifth release is mandatory, the
last one is rolling out to 30 %, and each release has diff zips from its two predecessors, so
answers exercise escalation, diffs, range checks and the per-device rollout pick.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.codepush.keys import key_hash, seal
from tradewind.keys.keyring import Keyring
from tradewind.models import Blob, Package, Release
from tradewind.models.codepush import CodePushDeployment, CodePushDiff, CodePushRelease
from tradewind.releases.content import canonical

KEY = "benchCodePushDeploymentKey-0123456789abcdef"
RELEASES = 30
RANGES = ["^1.0.0", "^2.0.0", ">=2.1.0 <3.0.0", "*"]
CHANNEL = "codepush-production"


def _sha(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


async def _blob(session: AsyncSession, app_id: int, *salt: object) -> int:
    sha = _sha(app_id, "zip", *salt)
    result = await session.execute(
        insert(Blob).returning(Blob.id),
        [
            {
                "app_id": app_id,
                "sha256": sha,
                "size": 100_000 + len(salt),
                "storage_key": f"apps/{app_id}/sha256/{sha}",
                "content_type": "application/zip",
            }
        ],
    )
    return int(result.scalar_one())


async def seed_codepush(session: AsyncSession, keyring: Keyring, app_id: int) -> list[str]:
    """Seed the deployment; the package hashes of its releases, oldest first."""
    deployment = CodePushDeployment(
        app_id=app_id,
        name="Production",
        channel=CHANNEL,
        key_hash=key_hash(KEY),
        key_sealed=await seal(keyring, app_id, KEY),
    )
    session.add(deployment)
    await session.flush()
    package_ids = list(
        (await session.scalars(select(Package.id).where(Package.app_id == app_id))).all()
    )
    start = datetime(2026, 11, 1, tzinfo=UTC)
    hashes = [_sha("package", n) for n in range(1, RELEASES + 1)]
    for n in range(1, RELEASES + 1):
        release_id = await _release(session, app_id, package_ids[n % len(package_ids)], n, start)
        session.add(
            CodePushRelease(
                release_id=release_id,
                deployment_id=deployment.id,
                label_number=n,
                package_hash=hashes[n - 1],
                manifest={},
                zip_blob_id=await _blob(session, app_id, n),
                description=f"release {n}",
                is_disabled=False,
                diffs_built=True,
            )
        )
        await session.flush()
        for back in (1, 2):
            if n - back >= 1:
                blob_id = await _blob(session, app_id, n, back)
                session.add(
                    CodePushDiff(
                        release_id=release_id,
                        from_package_hash=hashes[n - back - 1],
                        blob_id=blob_id,
                        size=50_000,
                    )
                )
    await session.flush()
    return hashes


async def _release(
    session: AsyncSession, app_id: int, package_id: int, n: int, start: datetime
) -> int:
    last = n == RELEASES
    status = "in_progress" if last else ("concluded" if n == RELEASES - 1 else "superseded")
    at = start + timedelta(minutes=n)
    values: dict[str, Any] = {
        "app_id": app_id,
        "package_id": package_id,
        "target": [],
        "target_key": canonical(()).key,
        "channel": CHANNEL,
        "binary_version_range": RANGES[n % len(RANGES)],
        "mandatory": n % 5 == 0,
        "status": status,
        "rollout_bp": 3_000 if last else 10_000,
        "notes": f"release {n}",
        "created_at": at,
        "updated_at": at,
        "started_at": at,
        "concluded_at": None if last else at,
    }
    result = await session.execute(insert(Release).returning(Release.id), [values])
    return int(result.scalar_one())


def codepush_mix(hashes: list[str], count: int, seed_value: int) -> list[tuple[str, str]]:
    """(path with query, "-") pairs: 200 request shapes, each with its own client id."""
    rng = random.Random(seed_value)
    versions = ["1.0.0", "1.4.2", "2.0.0", "2.1.3", "2", "3.0.1"]
    shapes = []
    for _ in range(200):
        parts = [f"deployment_key={KEY}", f"app_version={rng.choice(versions)}"]
        if rng.random() < 0.8:  # devices on an earlier release, else on the binary
            n = rng.randint(1, RELEASES)
            parts += [f"package_hash={hashes[n - 1]}", f"label=v{n}"]
        shapes.append("&".join(parts))
    return [
        (
            f"/v0.1/public/codepush/update_check?{rng.choice(shapes)}&client_unique_id={rng.getrandbits(64):016x}",
            "-",
        )
        for _ in range(count)
    ]
