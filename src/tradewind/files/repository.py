"""Queries for blobs and files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, exists, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Blob, File, PackageFile, ReleaseResource, User

Row = TypeVar("Row", Blob, File)
# Bound parameters per statement stay well under SQLite's limit (32766) and asyncpg's (32767).
_CHUNK = 500


async def insert_ignoring_conflict(
    session: AsyncSession, model: type[Row], values: dict[str, Any], unique: list[str]
) -> Row | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the row: the new row, or None if it existed.

    On PostgreSQL a concurrent uncommitted insert of the same key makes this wait for it, so
    a following SELECT sees the winner's row.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(model)
    )
    inserted: Row | None = (await session.scalars(statement)).one_or_none()
    return inserted


async def defer_foreign_keys(session: AsyncSession) -> None:
    """Check the deferrable in-app references (file -> blob, package -> file, release ->
    package, ...) at commit: an application's cascading delete removes both ends of them,
    in an order PostgreSQL would otherwise check too early. SQLite checks at statement end."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET CONSTRAINTS ALL DEFERRED"))


async def blob_by_sha(session: AsyncSession, app_id: int, sha256: str) -> Blob | None:
    return await session.scalar(select(Blob).where(Blob.app_id == app_id, Blob.sha256 == sha256))


async def blob_by_id(session: AsyncSession, blob_id: int) -> Blob:
    return (await session.scalars(select(Blob).where(Blob.id == blob_id))).one()


async def insert_blob(session: AsyncSession, values: dict[str, Any]) -> Blob:
    """The application's blob for this content, inserting it unless it already exists."""
    blob = await insert_ignoring_conflict(session, Blob, values, ["app_id", "sha256"])
    if blob is None:  # inserted before, or by the concurrent writer we waited for
        blob = await blob_by_sha(session, values["app_id"], values["sha256"])
    assert blob is not None
    return blob


async def file_by_content(
    session: AsyncSession, app_id: int, path: str, sha256: str
) -> File | None:
    return await session.scalar(
        select(File).where(File.app_id == app_id, File.path == path, File.sha256 == sha256)
    )


async def insert_file(session: AsyncSession, values: dict[str, Any]) -> tuple[File, bool]:
    """The file row for (app, path, sha256) and whether this call created it."""
    file = await insert_ignoring_conflict(session, File, values, ["app_id", "path", "sha256"])
    if file is not None:
        return file, True
    found = await file_by_content(session, values["app_id"], values["path"], values["sha256"])
    assert found is not None
    return found, False


async def newest_at(session: AsyncSession, app_id: int, path: str) -> File | None:
    return await session.scalar(
        select(File)
        .where(File.app_id == app_id, File.path == path)
        .order_by(File.id.desc())
        .limit(1)
    )


async def newest_at_paths(
    session: AsyncSession, app_id: int, paths: Iterable[str]
) -> dict[str, File]:
    """The newest file row at each of `paths` (absent paths are missing from the result)."""
    found: dict[str, File] = {}
    wanted = list(paths)
    for start in range(0, len(wanted), _CHUNK):
        query = (
            select(File)
            .where(File.app_id == app_id, File.path.in_(wanted[start : start + _CHUNK]))
            .order_by(File.id)
        )
        for file in await session.scalars(query):
            found[file.path] = file  # ascending ids: the newest wins
    return found


async def by_contents(
    session: AsyncSession, app_id: int, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], File]:
    """File rows for exact (path, sha256) pairs."""
    found: dict[tuple[str, str], File] = {}
    for start in range(0, len(pairs), _CHUNK):
        chunk = pairs[start : start + _CHUNK]
        query = select(File).where(File.app_id == app_id, tuple_(File.path, File.sha256).in_(chunk))
        for file in await session.scalars(query):
            found[(file.path, file.sha256)] = file
    return found


async def list_files(
    session: AsyncSession,
    app_id: int,
    *,
    path: str | None,
    path_prefix: str | None,
    sha256: str | None,
    limit: int,
    offset: int,
) -> list[tuple[File, str | None]]:
    query = (
        select(File, User.email)
        .outerjoin(User, User.id == File.uploaded_by)
        .where(File.app_id == app_id)
    )
    if path is not None:
        query = query.where(File.path == path)
    if path_prefix:
        query = query.where(File.path.startswith(path_prefix, autoescape=True))
    if sha256 is not None:
        query = query.where(File.sha256 == sha256)
    query = query.order_by(File.path, File.id.desc()).limit(limit).offset(offset)
    return [(row[0], row[1]) for row in await session.execute(query)]


async def with_uploader(session: AsyncSession, file: File) -> tuple[File, str | None]:
    email = None
    if file.uploaded_by is not None:
        email = await session.scalar(select(User.email).where(User.id == file.uploaded_by))
    return file, email


async def files_at(session: AsyncSession, app_id: int, path: str) -> list[File]:
    query = select(File).where(File.app_id == app_id, File.path == path).order_by(File.id)
    return list(await session.scalars(query))


async def in_use(session: AsyncSession, file_ids: Sequence[int]) -> set[int]:
    """Which of these files a package or a release references."""
    used: set[int] = set()
    for start in range(0, len(file_ids), _CHUNK):
        chunk = file_ids[start : start + _CHUNK]
        used.update(
            await session.scalars(select(PackageFile.file_id).where(PackageFile.file_id.in_(chunk)))
        )
        used.update(
            await session.scalars(
                select(ReleaseResource.file_id).where(ReleaseResource.file_id.in_(chunk))
            )
        )
    return used


async def delete_files(session: AsyncSession, file_ids: Sequence[int]) -> None:
    for start in range(0, len(file_ids), _CHUNK):
        chunk = file_ids[start : start + _CHUNK]
        await session.execute(delete(File).where(File.id.in_(chunk)))


async def delete_unreferenced_blobs(session: AsyncSession, blob_ids: Iterable[int]) -> list[str]:
    """Delete those of these blobs no file references any more; returns their storage keys."""
    ids = sorted(set(blob_ids))
    keys: list[str] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        orphan = select(Blob.id, Blob.storage_key).where(
            Blob.id.in_(chunk), ~exists().where(File.blob_id == Blob.id)
        )
        rows = list(await session.execute(orphan))
        if rows:
            await session.execute(delete(Blob).where(Blob.id.in_([r.id for r in rows])))
            keys.extend(r.storage_key for r in rows)
    return keys
