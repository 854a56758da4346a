"""Route for bundle upload: POST an archive and a manifest, get a package back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from tradewind.bundles import service
from tradewind.bundles.multipart import MAX_MANIFEST_BYTES, archive_too_large, read_bundle_form
from tradewind.files.receive import temp_directory
from tradewind.packages.api import package_out
from tradewind.packages.schemas import PackageOut
from tradewind.web.deps import AppWriter, Ctx, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses

router = APIRouter(prefix="/orgs/{org}/apps/{app}/bundles", tags=["packages"])

_FORM_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["archive", "manifest"],
                    "properties": {
                        "archive": {
                            "type": "string",
                            "format": "binary",
                            "description": "A .zip or .tar.gz of the bundle directory.",
                        },
                        "manifest": {
                            "type": "string",
                            "description": 'JSON: {"index": "index.android.bundle", '
                            '"important": [globs], "lazy": [globs], "properties": {}, '
                            '"notes": ""}',
                        },
                    },
                }
            }
        },
    }
}
# Room for the multipart framing and the manifest around the archive itself.
_FORM_OVERHEAD = MAX_MANIFEST_BYTES + 64 * 1024


@router.post(
    "",
    operation_id="upload_bundle",
    response_model=PackageOut,
    status_code=201,
    responses=error_responses(409, 413),
    openapi_extra=_FORM_BODY,
)
async def upload_bundle(
    request: Request,
    access: AppWriter,
    session: DbSession,
    ctx: Ctx,
    principal: CurrentPrincipal,
    content_type: Annotated[str | None, Header()] = None,
    content_length: Annotated[str | None, Header()] = None,
) -> PackageOut:
    """Create files and the next package from an archive, all or nothing."""
    limit = ctx.settings.max_archive_total_size
    if content_length and content_length.isdigit() and int(content_length) > limit + _FORM_OVERHEAD:
        raise archive_too_large(limit)
    await session.commit()  # no connection is held while the body streams
    with temp_directory(ctx.settings.data_dir, "bundle") as tmp:
        form = await read_bundle_form(request.stream(), content_type, tmp, limit)
        assert form.archive is not None and form.manifest is not None
        extracted = tmp / "files"
        extracted.mkdir()
        view = await service.upload_bundle(
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
    return package_out(view)
