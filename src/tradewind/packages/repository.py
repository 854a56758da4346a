"""Queries for packages."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.files.repository import StoredFile, stored_files
from tradewind.models import Application, File, Package, PackageFile, Release, User
from tradewind.releases.lifecycle import LIVE

KIND_ORDER = {"index": 0, "important": 1, "lazy": 2}


@dataclass(frozen=True, slots=True)
class PackageMember:
    package_id: int
    kind: str  # index, important or lazy
    position: int
    stored: StoredFile


async def allocate_version(session: AsyncSession, app_id: int) -> int:
    """The next version of this application's packages.

    The UPDATE locks the application row until commit, so concurrent creators queue here and
    a rolled-back creation gives its number back: versions have neither gaps nor duplicates.
    """
    statement = (
        update(Application)
        .where(Application.id == app_id)
        .values(
            last_package_version=Application.last_package_version + 1,
            updated_at=Application.updated_at,  # not an edit of the application
        )
        .returning(Application.last_package_version)
        .execution_options(synchronize_session=False)
    )
    version: int = (await session.execute(statement)).scalar_one()
    return version


async def insert_package(session: AsyncSession, package: Package) -> Package:
    session.add(package)
    await session.flush()
    return package


async def insert_members(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(PackageFile), list(rows))


async def by_version(session: AsyncSession, app_id: int, version: int) -> Package | None:
    return await session.scalar(
        select(Package).where(Package.app_id == app_id, Package.version == version)
    )


async def by_ids(session: AsyncSession, ids: Collection[int]) -> dict[int, Package]:
    if not ids:
        return {}
    rows = await session.scalars(select(Package).where(Package.id.in_(tuple(ids))))
    return {package.id: package for package in rows}


async def members_of(session: AsyncSession, package_ids: Collection[int]) -> list[PackageMember]:
    """Every file of the given packages: per package the index, then important, then lazy,
    each in the order given at creation."""
    if not package_ids:
        return []
    query = (
        stored_files()
        .add_columns(PackageFile.package_id, PackageFile.kind, PackageFile.position)
        .join(PackageFile, PackageFile.file_id == File.id)
        .where(PackageFile.package_id.in_(tuple(package_ids)))
        .order_by(
            PackageFile.package_id,
            case(KIND_ORDER, value=PackageFile.kind, else_=3),
            PackageFile.position,
            File.path,
        )
    )
    return [
        PackageMember(package_id, kind, position, StoredFile(file, key))
        for file, key, package_id, kind, position in await session.execute(query)
    ]


async def list_packages(
    session: AsyncSession, app_id: int, limit: int, offset: int
) -> list[tuple[Package, str, int, int, str | None]]:
    """(package, index path, file count, total size, creator email), newest first."""
    stats = (
        select(
            PackageFile.package_id,
            func.count().label("file_count"),
            func.coalesce(func.sum(File.size), 0).label("total_size"),
        )
        .join(File, File.id == PackageFile.file_id)
        .group_by(PackageFile.package_id)
        .subquery()
    )
    index_file = File.__table__.alias("index_file")
    query = (
        select(Package, index_file.c.path, stats.c.file_count, stats.c.total_size, User.email)
        .join(index_file, index_file.c.id == Package.index_file_id)
        .join(stats, stats.c.package_id == Package.id)
        .outerjoin(User, User.id == Package.created_by)
        .where(Package.app_id == app_id)
        .order_by(Package.version.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        (row[0], row[1], int(row[2]), int(row[3]), row[4]) for row in await session.execute(query)
    ]


async def used_by_release(session: AsyncSession, package_id: int) -> bool:
    found = await session.scalar(select(exists().where(Release.package_id == package_id)))
    return bool(found)


async def delete_package(session: AsyncSession, package_id: int) -> None:
    await session.execute(delete(PackageFile).where(PackageFile.package_id == package_id))
    await session.execute(delete(Package).where(Package.id == package_id))


async def with_index_file(
    session: AsyncSession, app_id: int, index_file_id: int, limit: int = 20
) -> list[Package]:
    """The newest packages whose index is this file row (candidates for identical content)."""
    query = (
        select(Package)
        .where(Package.app_id == app_id, Package.index_file_id == index_file_id)
        .order_by(Package.version.desc())
        .limit(limit)
    )
    return list(await session.scalars(query))


async def live_releases_by_package(session: AsyncSession, app_id: int) -> dict[int, list[int]]:
    """package id -> ids of its releases devices may get now (in progress, paused, concluded)."""
    query = (
        select(Release.package_id, Release.id)
        .where(Release.app_id == app_id, Release.status.in_(LIVE))
        .order_by(Release.id)
    )
    found: dict[int, list[int]] = {}
    for package_id, release_id in await session.execute(query):
        found.setdefault(package_id, []).append(release_id)
    return found
