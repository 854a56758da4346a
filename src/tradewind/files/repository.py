"""Queries for blobs and files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, delete, exists, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Blob, File, PackageFile, ReleaseResource, User
from tradewind.models.codepush import CodePushDiff, CodePushRelease

Row = TypeVar("Row", Blob, File)


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file row with the storage key of its blob."""

    file: File
    storage_key: str


def stored_files() -> Select[File, str]:
    """Files with their blobs' storage keys (a query to narrow with joins and filters)."""
    return select(File, Blob.storage_key).join(Blob, Blob.id == File.blob_id)


# Bound parameters per statement stay well under SQLite's limit (32766) and asyncpg's (32767).
_CHUNK = 500


async def defer_foreign_keys(session: AsyncSession) -> None:
    """Check the deferrable in-app references (file -> blob, package -> file, release ->
    package, ...) at commit: an application's cascading delete removes both ends of them,
    in an order PostgreSQL would otherwise check too early. SQLite checks at statement end."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET CONSTRAINTS ALL DEFERRED"))


async def blobs_by_sha(session: AsyncSession, app_id: int, shas: Iterable[str]) -> dict[str, Blob]:
    """The application's blobs among these contents, by sha256 (one query per 500)."""
    wanted = sorted(set(shas))
    found: dict[str, Blob] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = select(Blob).where(Blob.app_id == app_id, Blob.sha256.in_(chunk))
        found.update((blob.sha256, blob) for blob in await session.scalars(query))
    return found


async def insert_blobs(
    session: AsyncSession, app_id: int, rows: Sequence[dict[str, Any]]
) -> dict[str, Blob]:
    """Insert these blob rows in batches, keeping any that already exist; all by sha256."""
    inserted = await _insert_many_ignoring_conflict(session, Blob, rows, ["app_id", "sha256"])
    blobs = {blob.sha256: blob for blob in inserted}
    existing = {row["sha256"] for row in rows} - blobs.keys()
    blobs.update(await blobs_by_sha(session, app_id, existing))
    return blobs


async def insert_files(
    session: AsyncSession, app_id: int, rows: Sequence[dict[str, Any]]
) -> tuple[dict[tuple[str, str], File], set[tuple[str, str]]]:
    """Insert file rows in batches: every row by (path, sha256), and the keys created now."""
    created = await _insert_many_ignoring_conflict(
        session, File, rows, ["app_id", "path", "sha256"]
    )
    new_keys = {(file.path, file.sha256) for file in created}
    files = {(file.path, file.sha256): file for file in created}
    others = sorted({(row["path"], row["sha256"]) for row in rows} - new_keys)
    files.update(await by_contents(session, app_id, others))
    return files, new_keys


async def _insert_many_ignoring_conflict(
    session: AsyncSession, model: type[Row], rows: Sequence[dict[str, Any]], unique: list[str]
) -> list[Row]:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted: list[Row] = []
    for start in range(0, len(rows), _CHUNK):
        statement = (
            dialect.insert(model)
            .values(list(rows[start : start + _CHUNK]))
            .on_conflict_do_nothing(index_elements=unique)
            .returning(model)
        )
        inserted.extend(await session.scalars(statement))
    return inserted


async def blob_content_type(session: AsyncSession, storage_key: str) -> str | None:
    """The stored content type of a committed blob (the asset handler's one per-key fact)."""
    return await session.scalar(select(Blob.content_type).where(Blob.storage_key == storage_key))


async def file_by_content(
    session: AsyncSession, app_id: int, path: str, sha256: str
) -> File | None:
    return await session.scalar(
        select(File).where(File.app_id == app_id, File.path == path, File.sha256 == sha256)
    )


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
    """Delete those of these blobs no file (nor CodePush zip) references any more; returns
    their storage keys."""
    ids = sorted(set(blob_ids))
    keys: list[str] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        orphan = select(Blob.id, Blob.storage_key).where(
            Blob.id.in_(chunk),
            ~exists().where(File.blob_id == Blob.id),
            ~exists().where(CodePushRelease.zip_blob_id == Blob.id),
            ~exists().where(CodePushDiff.blob_id == Blob.id),
        )
        rows = list(await session.execute(orphan))
        if rows:
            await session.execute(delete(Blob).where(Blob.id.in_([r.id for r in rows])))
            keys.extend(r.storage_key for r in rows)
    return keys
