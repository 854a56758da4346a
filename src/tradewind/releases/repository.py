"""Queries for releases, their resources and history (packages: tradewind.packages)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.errors import Conflict
from tradewind.files.repository import StoredFile, stored_files
from tradewind.models import (
    Application,
    AuditEvent,
    File,
    Release,
    ReleaseResource,
    User,
)


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
    app = (await session.scalars(query)).one_or_none()
    if app is None:  # deleted by a concurrent request after this one resolved it
        raise Conflict(
            "the application was deleted meanwhile; reload and retry", code="concurrent_change"
        )
    return app


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


async def device_dimensions(session: AsyncSession, app_id: int) -> tuple[str | None, str | None]:
    """The application's identifier dimension and channel dimension."""
    row = (
        await session.execute(
            select(Application.identifier_dimension, Application.channel_dimension).where(
                Application.id == app_id
            )
        )
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


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
    query = select(Release).where(Release.app_id == app_id, Release.parent_id.is_(None))
    if statuses:
        query = query.where(Release.status.in_(tuple(statuses)))
    if channel is not None:
        query = query.where(Release.channel == channel)
    if before is not None:
        query = query.where(Release.id < before)
    return list(await session.scalars(query.order_by(Release.id.desc()).limit(limit)))


async def variants_of(
    session: AsyncSession, parent_ids: Collection[int], statuses: Collection[str] = ("variant",)
) -> list[Release]:
    """The variant releases of these experiments, by id."""
    if not parent_ids:
        return []
    query = (
        select(Release)
        .where(Release.parent_id.in_(tuple(parent_ids)), Release.status.in_(tuple(statuses)))
        .order_by(Release.id)
    )
    return list(await session.scalars(query))


async def newest_concluded(
    session: AsyncSession, app_id: int, channel: str, target_key: str
) -> Release | None:
    query = (
        select(Release)
        .where(
            Release.app_id == app_id,
            Release.channel == channel,
            Release.target_key == target_key,
            Release.status == "concluded",
        )
        .order_by(Release.concluded_at.desc(), Release.id.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def releases_with_status(
    session: AsyncSession, app_id: int, statuses: Collection[str]
) -> list[Release]:
    query = (
        select(Release)
        .where(Release.app_id == app_id, Release.status.in_(tuple(statuses)))
        .order_by(Release.id)
    )
    return list(await session.scalars(query))


async def stored_files_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, StoredFile]:
    if not ids:
        return {}
    rows = await session.execute(stored_files().where(File.id.in_(tuple(ids))))
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
        stored_files()
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


async def concluded_before(
    session: AsyncSession, app_id: int, channel: str, target_key: str, before: datetime
) -> Release | None:
    """The release of this exact target that was the baseline just before `before`: the newest
    one concluded earlier (it may since have been superseded or retired)."""
    query = (
        select(Release)
        .where(
            Release.app_id == app_id,
            Release.channel == channel,
            Release.target_key == target_key,
            Release.parent_id.is_(None),
            Release.concluded_at.is_not(None),
            Release.concluded_at < before,
        )
        .order_by(Release.concluded_at.desc(), Release.id.desc())
        .limit(1)
    )
    return await session.scalar(query)
