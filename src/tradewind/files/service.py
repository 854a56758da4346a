"""Files: storing verified content once per application, and the path -> content rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.accounts import repository as accounts_repo
from tradewind.audit.service import record
from tradewind.db import Database
from tradewind.errors import BadRequest, Conflict, NotFound
from tradewind.files import repository as repo
from tradewind.files.paths import blob_key, normalise_path
from tradewind.files.receive import Received
from tradewind.files.schemas import FileRef
from tradewind.models import Blob, File
from tradewind.outbox import service as outbox
from tradewind.settings import Settings
from tradewind.storage import Adoption, BlobStore


@dataclass(frozen=True, slots=True)
class Content:
    """Verified bytes in a temporary file, about to become a blob."""

    received: Received
    content_type: str


def verify_checksum(received: Received, expected: str) -> None:
    if received.sha256 != expected:
        raise BadRequest(
            "the body does not match X-Checksum-Sha256",
            code="checksum_mismatch",
            details={"expected": expected, "actual": received.sha256},
        )


async def save_contents(
    session: AsyncSession,
    db: Database,
    store: BlobStore,
    settings: Settings,
    app_id: int,
    contents: Sequence[Content],
) -> dict[str, Blob]:
    """The app's blob for each content (by sha256), writing the ones it does not have yet.

    New keys are registered in the cleanup outbox (committed) before anything is written, so
    if this request's unit of work fails later, the drain removes what was written.
    """
    blobs = await repo.blobs_by_sha(session, app_id, (c.received.sha256 for c in contents))
    missing = {c.received.sha256: c for c in contents if c.received.sha256 not in blobs}
    if not missing:
        return blobs
    keys = {sha: blob_key(app_id, sha) for sha in missing}
    pending = await outbox.register_pending(db, list(keys.values()), settings.cleanup_grace_seconds)
    # The temporary files are this request's own: the store may move them into place.
    await store.adopt_files(
        [Adoption(keys[sha], c.received.path, c.content_type) for sha, c in missing.items()]
    )
    rows = [
        {
            "app_id": app_id,
            "sha256": sha,
            "size": content.received.size,
            "storage_key": keys[sha],
            "content_type": content.content_type,
        }
        for sha, content in missing.items()
    ]
    blobs.update(await repo.insert_blobs(session, app_id, rows))
    await outbox.settle(session, pending)
    return blobs


@dataclass(frozen=True, slots=True)
class FileSpec:
    """A path bound to stored content, about to become a file row."""

    path: str
    blob: Blob
    content_type: str


async def record_file(
    session: AsyncSession,
    principal: Principal,
    app_id: int,
    path: str,
    blob: Blob,
    content_type: str,
) -> tuple[File, bool]:
    """One file row binding `path` to the blob's content, and whether this call created it."""
    spec = FileSpec(path, blob, content_type)
    recorded, created = await record_files(session, principal, app_id, [spec])
    key = (path, blob.sha256)
    return recorded[key], key in created


async def record_files(
    session: AsyncSession, principal: Principal, app_id: int, specs: Sequence[FileSpec]
) -> tuple[dict[tuple[str, str], File], set[tuple[str, str]]]:
    """The file rows binding each path to its content, inserted in batches: every row by
    (path, sha256), and the keys this call created."""
    rows = [
        {
            "app_id": app_id,
            "path": spec.path,
            "sha256": spec.blob.sha256,
            "size": spec.blob.size,
            "content_type": spec.content_type,
            "blob_id": spec.blob.id,
            "uploaded_by": principal.user_id,
        }
        for spec in specs
    ]
    try:
        return await repo.insert_files(session, app_id, rows)
    except IntegrityError as exc:  # a blob row was deleted by a concurrent request
        raise Conflict(
            "the content was deleted by a concurrent request; retry the upload",
            code="concurrent_change",
        ) from exc


async def upload_file(
    session: AsyncSession,
    db: Database,
    store: BlobStore,
    settings: Settings,
    principal: Principal,
    access: AppAccess,
    path: str,
    content: Content,
) -> tuple[File, str | None, bool]:
    """Store the content and bind it to `path`: (file, uploader's email, created?)."""
    blobs = await save_contents(session, db, store, settings, access.app.id, [content])
    blob = blobs[content.received.sha256]
    spec = FileSpec(path, blob, content.content_type)
    rows, new_keys = await record_files(session, principal, access.app.id, [spec])
    key = (path, blob.sha256)
    file, created = rows[key], key in new_keys
    if created:
        return file, principal.email, True
    uploader = await accounts_repo.email_of(session, file.uploaded_by)
    return file, uploader, False


async def prepare_app_deletion(session: AsyncSession, app_ids: Sequence[int], reason: str) -> None:
    """Call before deleting applications, in the same unit of work: their blobs become
    garbage when it commits, and their rows may cascade away in any order."""
    await outbox.enqueue_app_blobs(session, app_ids, reason)
    await repo.defer_foreign_keys(session)


def _not_found(path: str, sha256: str | None) -> NotFound:
    details = {"path": path} if sha256 is None else {"path": path, "sha256": sha256}
    return NotFound("no such file", code="file_not_found", details=details)


async def get_file(
    session: AsyncSession, access: AppAccess, path: str, sha256: str | None
) -> tuple[File, str | None]:
    """The file at `path` with that content, or the newest content at `path`."""
    path = normalise_path(path)
    if sha256 is None:
        file = await repo.newest_at(session, access.app.id, path)
    else:
        file = await repo.file_by_content(session, access.app.id, path, sha256)
    if file is None:
        raise _not_found(path, sha256)
    return file, await accounts_repo.email_of(session, file.uploaded_by)


async def list_files(
    session: AsyncSession,
    access: AppAccess,
    *,
    path: str | None,
    path_prefix: str | None,
    sha256: str | None,
    limit: int,
    offset: int,
) -> list[tuple[File, str | None]]:
    return await repo.list_files(
        session,
        access.app.id,
        path=normalise_path(path) if path is not None else None,
        path_prefix=path_prefix,
        sha256=sha256,
        limit=limit,
        offset=offset,
    )


async def missing_files(
    session: AsyncSession, access: AppAccess, refs: Sequence[FileRef]
) -> list[FileRef]:
    """Which (path, sha256) pairs the application does not have: what a push must upload."""
    pairs = [(normalise_path(ref.path), ref.sha256) for ref in refs]
    found = await repo.by_contents(session, access.app.id, sorted(set(pairs)))
    missing: list[FileRef] = []
    seen: set[tuple[str, str]] = set()
    for path, sha in pairs:
        if (path, sha) not in found and (path, sha) not in seen:
            seen.add((path, sha))
            missing.append(FileRef(path=path, sha256=sha))
    return missing


async def delete_unused(session: AsyncSession, files: Sequence[File], reason: str) -> int:
    """Delete these files unless in use; blobs left without files go to the cleanup outbox."""
    used = await repo.in_use(session, [f.id for f in files])
    doomed = [f for f in files if f.id not in used]
    if not doomed:
        return 0
    try:
        await repo.delete_files(session, [f.id for f in doomed])
    except IntegrityError as exc:  # a concurrent request started using one of them
        raise Conflict(
            "a concurrent request started using these files; retry", code="concurrent_change"
        ) from exc
    keys = await repo.delete_unreferenced_blobs(session, [f.blob_id for f in doomed])
    await outbox.enqueue(session, keys, reason)
    return len(doomed)


async def delete_file(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    path: str,
    sha256: str | None,
) -> int:
    """Delete one content of `path` (or all of them); refused while any is in use."""
    path = normalise_path(path)
    files = await repo.files_at(session, access.app.id, path)
    if sha256 is not None:
        files = [f for f in files if f.sha256 == sha256]
    if not files:
        raise _not_found(path, sha256)
    used = await repo.in_use(session, [f.id for f in files])
    if used:
        raise Conflict(
            "a package or release uses this file",
            code="file_in_use",
            details={"path": path, "sha256": sorted({f.sha256 for f in files if f.id in used})},
        )
    deleted = await delete_unused(session, files, "file_deleted")
    await record(
        session,
        principal,
        "file.delete",
        "file",
        path[:64],
        org_id=access.org.id,
        app_id=access.app.id,
        details={"path": path, "sha256": sorted(f.sha256 for f in files)},
    )
    return deleted
