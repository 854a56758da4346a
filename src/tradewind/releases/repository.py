"""Queries for releases, their packages, resources and history."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import (
    Application,
    AuditEvent,
    Blob,
    File,
    Package,
    PackageFile,
    Release,
    ReleaseResource,
    User,
)


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file row with the storage key of its blob."""

    file: File
    storage_key: str


@dataclass(frozen=True, slots=True)
class PackageMember:
    package_id: int
    kind: str  # index, important or lazy
    position: int
    stored: StoredFile


async def lock_app(session: AsyncSession, app_id: int) -> Application:
    """Re-read the application row under a lock held until commit, serialising release writes.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite has no row locks and runs reads outside the
    transaction until its first write, so a no-op UPDATE takes the database's writer lock
    first (waiting for other writers): the reads that follow see every committed change.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            text("UPDATE applications SET revision = revision WHERE id = :id"), {"id": app_id}
        )
    query = (
        select(Application)
        .where(Application.id == app_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).one()


async def bump_revision(session: AsyncSession, app_id: int) -> None:
    """Tell the device path that what this application serves has changed."""
    await session.execute(
        update(Application)
        .where(Application.id == app_id)
        .values(revision=Application.revision + 1, updated_at=Application.updated_at)
        .execution_options(synchronize_session=False)
    )


async def app_revision(session: AsyncSession, app_id: int) -> int:
    revision = await session.scalar(select(Application.revision).where(Application.id == app_id))
    return int(revision or 0)


async def identifier_dimension(session: AsyncSession, app_id: int) -> str | None:
    return await session.scalar(
        select(Application.identifier_dimension).where(Application.id == app_id)
    )


async def release_by_id(
    session: AsyncSession, app_id: int, release_id: int, *, fresh: bool = False
) -> Release | None:
    query = select(Release).where(Release.app_id == app_id, Release.id == release_id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return await session.scalar(query)


async def unfinished_with_target(
    session: AsyncSession, app_id: int, channel: str, target_key: str, exclude_id: int | None
) -> Release | None:
    query = select(Release).where(
        Release.app_id == app_id,
        Release.channel == channel,
        Release.target_key == target_key,
        Release.status.in_(("created", "in_progress", "paused")),
    )
    if exclude_id is not None:
        query = query.where(Release.id != exclude_id)
    return await session.scalar(query.limit(1))


async def concluded_with_target(
    session: AsyncSession, app_id: int, channel: str, target_key: str, exclude_id: int
) -> list[Release]:
    query = select(Release).where(
        Release.app_id == app_id,
        Release.channel == channel,
        Release.target_key == target_key,
        Release.status == "concluded",
        Release.id != exclude_id,
    )
    return list(await session.scalars(query))


async def channel_has_releases(session: AsyncSession, app_id: int, channel: str) -> bool:
    """True when the channel has any release that was not discarded."""
    found = await session.scalar(
        select(Release.id)
        .where(Release.app_id == app_id, Release.channel == channel, Release.status != "discarded")
        .limit(1)
    )
    return found is not None


async def list_releases(
    session: AsyncSession,
    app_id: int,
    statuses: Collection[str],
    channel: str | None,
    limit: int,
    before: int | None,
) -> list[Release]:
    query = select(Release).where(Release.app_id == app_id)
    if statuses:
        query = query.where(Release.status.in_(tuple(statuses)))
    if channel is not None:
        query = query.where(Release.channel == channel)
    if before is not None:
        query = query.where(Release.id < before)
    return list(await session.scalars(query.order_by(Release.id.desc()).limit(limit)))


async def releases_with_status(
    session: AsyncSession, app_id: int, statuses: Collection[str]
) -> list[Release]:
    query = (
        select(Release)
        .where(Release.app_id == app_id, Release.status.in_(tuple(statuses)))
        .order_by(Release.id)
    )
    return list(await session.scalars(query))


async def package_by_version(session: AsyncSession, app_id: int, version: int) -> Package | None:
    return await session.scalar(
        select(Package).where(Package.app_id == app_id, Package.version == version)
    )


async def packages_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Package]:
    if not ids:
        return {}
    rows = await session.scalars(select(Package).where(Package.id.in_(tuple(ids))))
    return {package.id: package for package in rows}


def _stored_files() -> Select[File, str]:
    return select(File, Blob.storage_key).join(Blob, Blob.id == File.blob_id)


async def package_members(
    session: AsyncSession, package_ids: Collection[int]
) -> list[PackageMember]:
    """Every file of the given packages, the index included, in package order."""
    if not package_ids:
        return []
    query = (
        _stored_files()
        .add_columns(PackageFile.package_id, PackageFile.kind, PackageFile.position)
        .join(PackageFile, PackageFile.file_id == File.id)
        .where(PackageFile.package_id.in_(tuple(package_ids)))
        .order_by(PackageFile.package_id, PackageFile.position, File.path)
    )
    return [
        PackageMember(package_id, kind, position, StoredFile(file, key))
        for file, key, package_id, kind, position in await session.execute(query)
    ]


async def stored_files_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, StoredFile]:
    if not ids:
        return {}
    rows = await session.execute(_stored_files().where(File.id.in_(tuple(ids))))
    return {file.id: StoredFile(file, key) for file, key in rows}


async def files_at_paths(session: AsyncSession, app_id: int, paths: Collection[str]) -> list[File]:
    """Every content ever uploaded at these paths, newest first."""
    if not paths:
        return []
    query = (
        select(File)
        .where(File.app_id == app_id, File.path.in_(tuple(paths)))
        .order_by(File.id.desc())
    )
    return list(await session.scalars(query))


async def resources_of(
    session: AsyncSession, release_ids: Collection[int]
) -> dict[int, list[StoredFile]]:
    """Resource files per release, sorted by path."""
    result: dict[int, list[StoredFile]] = {release_id: [] for release_id in release_ids}
    if not release_ids:
        return result
    query = (
        _stored_files()
        .add_columns(ReleaseResource.release_id)
        .join(ReleaseResource, ReleaseResource.file_id == File.id)
        .where(ReleaseResource.release_id.in_(tuple(release_ids)))
        .order_by(ReleaseResource.release_id, File.path)
    )
    for file, key, release_id in await session.execute(query):
        result[release_id].append(StoredFile(file, key))
    return result


async def set_resources(session: AsyncSession, release_id: int, file_ids: Sequence[int]) -> None:
    await session.execute(delete(ReleaseResource).where(ReleaseResource.release_id == release_id))
    if file_ids:
        await session.execute(
            insert(ReleaseResource),
            [{"release_id": release_id, "file_id": file_id} for file_id in file_ids],
        )


async def resource_file_ids(session: AsyncSession, release_id: int) -> list[int]:
    query = select(ReleaseResource.file_id).where(ReleaseResource.release_id == release_id)
    return list(await session.scalars(query))


async def history(
    session: AsyncSession, app_id: int, release_id: int
) -> list[tuple[AuditEvent, str | None]]:
    query = (
        select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .where(
            AuditEvent.app_id == app_id,
            AuditEvent.object_type == "release",
            AuditEvent.object_id == str(release_id),
        )
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    return [(event, email) for event, email in await session.execute(query)]


async def user_emails(session: AsyncSession, user_ids: Collection[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.email).where(User.id.in_(tuple(user_ids))))
    return {user_id: email for user_id, email in rows}
