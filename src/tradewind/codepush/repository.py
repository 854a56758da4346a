"""Queries for CodePush deployments, their release history, diff zips and report counts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Application, Blob, Organisation, Release
from tradewind.models.codepush import CodePushDeployment, CodePushDiff, CodePushRelease
from tradewind.models.signals import SignalCount, SignalSketch


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One CodePush release with its Tradewind release and its full zip's blob."""

    cp: CodePushRelease
    release: Release
    zip_key: str
    zip_size: int


async def deployments(session: AsyncSession, app_ids: Collection[int]) -> list[CodePushDeployment]:
    query = (
        select(CodePushDeployment)
        .where(CodePushDeployment.app_id.in_(app_ids))
        .order_by(CodePushDeployment.app_id, CodePushDeployment.id)
    )
    return list((await session.scalars(query)).all())


async def application_keys(session: AsyncSession, app_ids: Collection[int]) -> dict[int, str]:
    """`org/app` of each application, by id (the metrics' application label)."""
    query = (
        select(Application.id, Organisation.name, Application.name)
        .join(Organisation, Organisation.id == Application.org_id)
        .where(Application.id.in_(app_ids))
    )
    return {app_id: f"{org}/{app}" for app_id, org, app in (await session.execute(query)).all()}


async def deployment_by_name(
    session: AsyncSession, app_id: int, name: str
) -> CodePushDeployment | None:
    query = select(CodePushDeployment).where(
        CodePushDeployment.app_id == app_id, func.lower(CodePushDeployment.name) == name.lower()
    )
    return await session.scalar(query)


async def channel_taken(session: AsyncSession, app_id: int, channel: str) -> bool:
    query = select(CodePushDeployment.id).where(
        CodePushDeployment.app_id == app_id, CodePushDeployment.channel == channel
    )
    return await session.scalar(query) is not None


async def history(session: AsyncSession, deployment_ids: Collection[int]) -> list[HistoryRow]:
    """Every CodePush release of these deployments, oldest label first."""
    query = (
        select(CodePushRelease, Release, Blob.storage_key, Blob.size)
        .join(Release, Release.id == CodePushRelease.release_id)
        .join(Blob, Blob.id == CodePushRelease.zip_blob_id)
        .where(CodePushRelease.deployment_id.in_(deployment_ids))
        .order_by(CodePushRelease.deployment_id, CodePushRelease.label_number)
    )
    rows = (await session.execute(query)).all()
    return [HistoryRow(cp, release, key, size) for cp, release, key, size in rows]


async def diffs(
    session: AsyncSession, release_ids: Collection[int]
) -> dict[int, dict[str, tuple[str, int]]]:
    """{release id: {from package hash: (storage key, size)}}."""
    query = (
        select(CodePushDiff.release_id, CodePushDiff.from_package_hash, Blob.storage_key, Blob.size)
        .join(Blob, Blob.id == CodePushDiff.blob_id)
        .where(CodePushDiff.release_id.in_(release_ids))
    )
    found: dict[int, dict[str, tuple[str, int]]] = {}
    for release_id, from_hash, key, size in (await session.execute(query)).all():
        found.setdefault(release_id, {})[from_hash] = (key, size)
    return found


async def last_label(session: AsyncSession, deployment_id: int) -> int:
    query = select(func.max(CodePushRelease.label_number)).where(
        CodePushRelease.deployment_id == deployment_id
    )
    return int(await session.scalar(query) or 0)


async def by_label(
    session: AsyncSession, deployment_id: int, label_number: int
) -> CodePushRelease | None:
    query = select(CodePushRelease).where(
        CodePushRelease.deployment_id == deployment_id,
        CodePushRelease.label_number == label_number,
    )
    return await session.scalar(query)


async def latest(session: AsyncSession, deployment_id: int) -> HistoryRow | None:
    rows = await history(session, [deployment_id])
    return rows[-1] if rows else None


async def pending_diffs(session: AsyncSession, limit: int) -> list[int]:
    query = (
        select(CodePushRelease.release_id)
        .where(CodePushRelease.diffs_built.is_(False))
        .order_by(CodePushRelease.release_id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def claim_diffs(session: AsyncSession, release_id: int) -> bool:
    """Mark a release's diffs as taken; False when another process took them first."""
    result = await session.execute(
        update(CodePushRelease)
        .where(CodePushRelease.release_id == release_id, CodePushRelease.diffs_built.is_(False))
        .values(diffs_built=True)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def unclaim_diffs(session: AsyncSession, release_id: int) -> None:
    await session.execute(
        update(CodePushRelease)
        .where(CodePushRelease.release_id == release_id)
        .values(diffs_built=False)
        .execution_options(synchronize_session=False)
    )


async def release_with_deployment(
    session: AsyncSession, release_id: int
) -> tuple[CodePushRelease, CodePushDeployment] | None:
    query = (
        select(CodePushRelease, CodePushDeployment)
        .join(CodePushDeployment, CodePushDeployment.id == CodePushRelease.deployment_id)
        .where(CodePushRelease.release_id == release_id)
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def blob_keys(session: AsyncSession, app_id: int, shas: Collection[str]) -> dict[str, str]:
    query = select(Blob.sha256, Blob.storage_key).where(
        Blob.app_id == app_id, Blob.sha256.in_(shas)
    )
    return {sha: key for sha, key in (await session.execute(query)).all()}


async def add_diff(session: AsyncSession, release_id: int, from_hash: str, blob: Blob) -> None:
    session.add(
        CodePushDiff(
            release_id=release_id, from_package_hash=from_hash, blob_id=blob.id, size=blob.size
        )
    )
    await session.flush()


async def counts_by_release(
    session: AsyncSession, app_id: int, release_ids: Sequence[int], metrics: Sequence[str]
) -> dict[tuple[int, str], int]:
    """All-time totals of these metrics for these releases: {(release id, metric): n}."""
    c = SignalCount
    query = (
        select(c.release_id, c.metric, func.sum(c.count))
        .where(
            c.app_id == app_id,
            c.span == "day",
            c.release_id.in_(release_ids),
            c.metric.in_(metrics),
        )
        .group_by(c.release_id, c.metric)
    )
    rows = (await session.execute(query)).all()
    return {(release_id, metric): int(n or 0) for release_id, metric, n in rows}


async def sketches_since(
    session: AsyncSession, app_id: int, since: datetime
) -> list[tuple[str, bytes]]:
    """Daily distinct-device sketches of the application since `since`, by running version."""
    s = SignalSketch
    query = select(s.package_version, s.sketch).where(
        s.app_id == app_id, s.span == "day", s.bucket >= since
    )
    return [(version, sketch) for version, sketch in (await session.execute(query)).all()]
