"""Routes for files: streamed uploads, metadata, the batch existence check, deletion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.convertors import PathConvertor, register_url_convertor

from tradewind.bundles import service as bundles
from tradewind.bundles.multipart import archive_too_large
from tradewind.errors import BadRequest, PayloadTooLarge
from tradewind.files import service
from tradewind.files.paths import choose_content_type, normalise_path, normalise_sha256
from tradewind.files.receive import (
    file_too_large,
    receive_stream,
    temp_directory,
    temp_path,
)
from tradewind.files.schemas import (
    BatchLimits,
    FileOut,
    FilesBatchOut,
    FilesCheck,
    FilesCheckOut,
    StoredFileOut,
)
from tradewind.models import File
from tradewind.web.deps import AppReader, AppWriter, Ctx, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses
from tradewind.web.params import Offset


def file_out(file: File, uploader: str | None) -> FileOut:
    return FileOut(
        path=file.path,
        sha256=file.sha256,
        size=file.size,
        content_type=file.content_type,
        uploaded_by=uploader,
        created_at=file.created_at,
    )


router = APIRouter(prefix="/orgs/{org}/apps/{app}/files", tags=["files"])


class FilePathConvertor(PathConvertor):
    """Like `path`, but also matches newlines, so such paths get 400 `invalid_path`, not 404."""

    regex = r"[\s\S]*"


register_url_convertor("filepath", FilePathConvertor())

_RAW_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    # Checked in code (400 `checksum_required` / `invalid_checksum`, not a 422), so declared
    # here rather than derived from the handler's signature.
    "parameters": [
        {
            "name": "X-Checksum-Sha256",
            "in": "header",
            "required": True,
            "description": "Hex SHA-256 of the body; a mismatch is refused (`checksum_mismatch`).",
            "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
        }
    ],
}
# Transport headers: described by the request body, not parameters of the operation.
TransportHeader = Annotated[str | None, Header(include_in_schema=False)]
# 10,000 entries of a long path and a checksum.
CHECK_BODY_LIMIT = 8 * 1024 * 1024
ShaQuery = Annotated[
    str | None, Query(description="Select this content (hex SHA-256) instead of the newest.")
]


def _sha_or_none(value: str | None) -> str | None:
    return None if value is None else normalise_sha256(value)


def _refuse_declared_over(
    content_length: str | None, limit: int, too_large: Callable[[int], PayloadTooLarge]
) -> None:
    """Refuse a body announced larger than `limit` before reading any of it."""
    if content_length is None:
        return
    if not content_length.strip().isdigit():
        raise BadRequest("invalid Content-Length", code="invalid_content_length")
    if int(content_length) > limit:
        raise too_large(limit)


@router.get("", operation_id="list_files", response_model=list[FileOut])
async def list_files(
    access: AppReader,
    session: DbSession,
    path: Annotated[str | None, Query(description="Exact path (all its contents).")] = None,
    path_prefix: Annotated[str | None, Query(max_length=1024)] = None,
    sha256: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[FileOut]:
    rows = await service.list_files(
        session,
        access,
        path=path,
        path_prefix=path_prefix,
        sha256=_sha_or_none(sha256),
        limit=limit,
        offset=offset,
    )
    return [file_out(file, uploader) for file, uploader in rows]


@router.post(
    "/check",
    operation_id="check_files",
    response_model=FilesCheckOut,
    max_body_size=CHECK_BODY_LIMIT,
)
async def check_files(
    body: FilesCheck, access: AppReader, session: DbSession, ctx: Ctx
) -> FilesCheckOut:
    """Which of these (path, sha256) pairs are missing: a push uploads only those, and how
    many of them it may send in one request to the batch route."""
    settings = ctx.settings
    return FilesCheckOut(
        missing=await service.missing_files(session, access, body.files),
        batch=BatchLimits(
            max_bytes=settings.max_archive_total_size,
            max_files=settings.max_archive_entries,
            max_file_size=settings.max_file_size,
        ),
    )


_ARCHIVE_BODY = {
    "requestBody": {
        "required": True,
        "description": "A `.zip` or `.tar.gz`, told apart by its first bytes (any Content-Type).",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/batch",
    operation_id="upload_files",
    response_model=FilesBatchOut,
    status_code=201,
    responses=error_responses(409, 413),
    openapi_extra=_ARCHIVE_BODY,
)
async def upload_files(
    request: Request,
    access: AppWriter,
    session: DbSession,
    ctx: Ctx,
    principal: CurrentPrincipal,
    content_length: TransportHeader = None,
) -> FilesBatchOut:
    """Upload many files in one request: the body is a `.zip` or `.tar.gz` whose entries are
    stored at their own paths, all or nothing, with no package (`tradewind push` sends the
    missing files this way). The archive limits of bundle uploads apply."""
    limit = ctx.settings.max_archive_total_size
    _refuse_declared_over(content_length, limit, archive_too_large)
    await session.commit()  # no connection is held while the body streams
    with ctx.uploads.uploading(), temp_directory(ctx.settings.data_dir, "batch") as tmp:
        received = await receive_stream(request.stream(), tmp / "archive", limit, archive_too_large)
        (tmp / "files").mkdir()
        stored = await bundles.upload_files_archive(
            session,
            ctx.db,
            ctx.blob_store,
            ctx.settings,
            principal,
            access,
            received.path,
            tmp / "files",
        )
    return FilesBatchOut(files=[_stored_out(file, created) for file, created in stored])


def _stored_out(file: File, created: bool) -> StoredFileOut:
    return StoredFileOut(
        path=file.path,
        sha256=file.sha256,
        size=file.size,
        content_type=file.content_type,
        created=created,
    )


@router.put(
    "/{path:filepath}",
    operation_id="upload_file",
    response_model=FileOut,
    status_code=201,
    responses={**error_responses(409, 413), 200: {"model": FileOut, "description": "existed"}},
    openapi_extra=_RAW_BODY,
)
async def upload_file(
    path: str,
    request: Request,
    response: Response,
    access: AppWriter,
    session: DbSession,
    ctx: Ctx,
    principal: CurrentPrincipal,
    x_checksum_sha256: Annotated[str | None, Header(include_in_schema=False)] = None,
    content_type: TransportHeader = None,
    content_length: TransportHeader = None,
) -> FileOut:
    """Upload the raw body as the file at `path` (201 created, 200 if already there)."""
    clean_path = normalise_path(path)
    expected = normalise_sha256(x_checksum_sha256)
    chosen_type = choose_content_type(clean_path, content_type)
    limit = ctx.settings.max_file_size
    _refuse_declared_over(content_length, limit, file_too_large)
    # End the authorisation's read transaction: no connection is held while the body streams.
    await session.commit()
    with ctx.uploads.uploading(), temp_path(ctx.settings.data_dir, "upload") as tmp:
        received = await receive_stream(request.stream(), tmp, limit)
        service.verify_checksum(received, expected)
        file, uploader, created = await service.upload_file(
            session,
            ctx.db,
            ctx.blob_store,
            ctx.settings,
            principal,
            access,
            clean_path,
            service.Content(received, chosen_type),
        )
    response.status_code = 201 if created else 200
    return file_out(file, uploader)


@router.get("/{path:filepath}", operation_id="get_file", response_model=FileOut)
async def get_file(
    path: str, access: AppReader, session: DbSession, sha256: ShaQuery = None
) -> FileOut:
    """The newest content at `path`, or the one with `?sha256=`."""
    file, uploader = await service.get_file(session, access, path, _sha_or_none(sha256))
    return file_out(file, uploader)


@router.head("/{path:filepath}", operation_id="head_file", status_code=200)
async def head_file(
    path: str, access: AppReader, session: DbSession, sha256: ShaQuery = None
) -> Response:
    """200 when the file (with that content, if `?sha256=` is given) exists, else 404."""
    file, _ = await service.get_file(session, access, path, _sha_or_none(sha256))
    return Response(
        status_code=200,
        media_type="application/json",  # what GET on the same URL answers with
        headers={
            "X-Checksum-Sha256": file.sha256,
            "X-File-Size": str(file.size),
            "X-File-Content-Type": file.content_type,
        },
    )


@router.delete(
    "/{path:filepath}", operation_id="delete_file", status_code=204, responses=error_responses(409)
)
async def delete_file(
    path: str,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
    sha256: Annotated[
        str | None, Query(description="Delete only this content; default: all contents.")
    ] = None,
) -> Response:
    await service.delete_file(session, principal, access, path, _sha_or_none(sha256))
    return Response(status_code=204)
