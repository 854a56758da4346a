"""Route for bundle upload: POST an archive and a manifest, get a package back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.bundles import service
from tradewind.bundles.multipart import (
    MAX_MANIFEST_BYTES,
    BundleForm,
    archive_too_large,
    read_bundle_form,
)
from tradewind.context import AppContext
from tradewind.files.api import TransportHeader
from tradewind.files.receive import temp_directory
from tradewind.packages.api import REUSED, package_out
from tradewind.packages.schemas import PackageOut
from tradewind.web.deps import AppWriter, Ctx, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses

router = APIRouter(prefix="/orgs/{org}/apps/{app}/bundles", tags=["packages"])


def archive_form_body(archive: str, manifest: str) -> dict[str, Any]:
    """The OpenAPI request body of a route taking an `archive` file and a JSON `manifest`."""
    fields = {
        "archive": {"type": "string", "format": "binary", "description": archive},
        "manifest": {"type": "string", "description": manifest},
    }
    schema = {"type": "object", "required": ["archive", "manifest"], "properties": fields}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


_FORM_BODY = archive_form_body(
    "A .zip or .tar.gz of the bundle directory.",
    'JSON: {"index": "index.android.bundle", "important": [globs], "lazy": [globs], '
    '"properties": {}, "notes": ""}',
)
# Room for the multipart framing and the manifest around the archive itself.
_FORM_OVERHEAD = MAX_MANIFEST_BYTES + 64 * 1024


@asynccontextmanager
async def received_archive_form(
    request: Request,
    session: AsyncSession,
    ctx: AppContext,
    content_type: str | None,
    content_length: str | None,
) -> AsyncIterator[tuple[BundleForm, Path]]:
    """The streamed `archive` + `manifest` form in a temporary directory removed afterwards,
    counted as an upload in flight until then.

    An announced body over the archive limit is refused before reading it; the unit of work
    commits first, so no database connection is held while the body streams."""
    settings = ctx.settings
    limit = settings.max_archive_total_size
    if content_length and content_length.isdigit() and int(content_length) > limit + _FORM_OVERHEAD:
        raise archive_too_large(limit)
    await session.commit()
    with ctx.uploads.uploading(), temp_directory(settings.data_dir, "bundle") as tmp:
        yield await read_bundle_form(request.stream(), content_type, tmp, limit), tmp


@router.post(
    "",
    operation_id="upload_bundle",
    response_model=PackageOut,
    status_code=201,
    responses=REUSED | error_responses(409, 413),
    openapi_extra=_FORM_BODY,
)
async def upload_bundle(
    request: Request,
    response: Response,
    access: AppWriter,
    session: DbSession,
    ctx: Ctx,
    principal: CurrentPrincipal,
    content_type: TransportHeader = None,
    content_length: TransportHeader = None,
) -> PackageOut:
    """Create files and the next package from an archive, all or nothing. With
    `"reuse_identical": true` in the manifest, an existing package with exactly these files
    and properties is answered instead (200, `reused: true`)."""
    received = received_archive_form(request, session, ctx, content_type, content_length)
    async with received as (form, tmp):
        assert form.archive is not None and form.manifest is not None
        extracted = tmp / "files"
        extracted.mkdir()
        view, reused = await service.upload_bundle(
            session,
            ctx.db,
            ctx.blob_store,
            ctx.settings,
            principal,
            access,
            form.archive,
            form.manifest,
            extracted,
        )
    if reused:
        response.status_code = 200
        return package_out(view).model_copy(update={"reused": True})
    return package_out(view)
