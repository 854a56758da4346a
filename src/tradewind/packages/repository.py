"""Queries for packages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Application, File, Package, PackageFile, Release, User

KIND_ORDER = {"index": 0, "important": 1, "lazy": 2}


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


async def creator_email(session: AsyncSession, package: Package) -> str | None:
    if package.created_by is None:
        return None
    return await session.scalar(select(User.email).where(User.id == package.created_by))


async def members(session: AsyncSession, package_id: int) -> list[tuple[File, str]]:
    """(file, kind) of a package: the index, then important, then lazy, each in given order."""
    order = case(KIND_ORDER, value=PackageFile.kind, else_=3)
    query = (
        select(File, PackageFile.kind)
        .join(PackageFile, PackageFile.file_id == File.id)
        .where(PackageFile.package_id == package_id)
        .order_by(order, PackageFile.position)
    )
    return [(row[0], row[1]) for row in await session.execute(query)]


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
