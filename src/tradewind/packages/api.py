"""Routes for packages. There is deliberately no update route: packages are immutable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from tradewind.packages import service
from tradewind.packages.schemas import PackageCreate, PackageFileOut, PackageOut, PackageSummary
from tradewind.web.deps import AppReader, AppWriter, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses
from tradewind.web.params import Offset, RowId

router = APIRouter(prefix="/orgs/{org}/apps/{app}/packages", tags=["packages"])


def package_out(view: service.PackageView) -> PackageOut:
    package = view.package
    return PackageOut(
        version=package.version,
        index=view.index_path,
        files=[
            PackageFileOut(
                path=f.path, sha256=f.sha256, size=f.size, content_type=f.content_type, kind=kind
            )
            for f, kind in view.members
        ],
        properties=package.properties,
        notes=package.notes,
        created_by=view.created_by,
        created_at=package.created_at,
    )


REUSED: dict[int | str, dict[str, Any]] = {
    200: {"model": PackageOut, "description": "An identical package exists (`reuse_identical`)"}
}


@router.post(
    "",
    operation_id="create_package",
    response_model=PackageOut,
    status_code=201,
    responses=REUSED,
)
async def create_package(
    body: PackageCreate,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
    response: Response,
) -> PackageOut:
    """Create the next version from files already uploaded (a path means its newest content;
    `{"path", "sha256"}` pins one). With `reuse_identical`, an existing package with the same
    files and properties is answered instead (200)."""
    layout = await service.resolve_layout(
        session, access.app.id, body.index, body.important, body.lazy
    )
    if body.reuse_identical:
        found = await service.find_identical(session, access, layout, body.properties)
        if found is not None:
            response.status_code = 200
            return package_out(found).model_copy(update={"reused": True})
    view = await service.create_package(
        session, principal, access, layout, body.properties, body.notes, signature=body.signature
    )
    return package_out(view)


@router.get("", operation_id="list_packages", response_model=list[PackageSummary])
async def list_packages(
    access: AppReader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[PackageSummary]:
    rows = await service.list_packages(session, access, limit, offset)
    live = await service.live_releases(session, access)
    return [
        PackageSummary(
            version=p.version,
            live_releases=live.get(p.id, []),
            index=index,
            file_count=count,
            total_size=size,
            properties=p.properties,
            notes=p.notes,
            created_by=creator,
            created_at=p.created_at,
        )
        for p, index, count, size, creator in rows
    ]


@router.get("/{version}", operation_id="get_package", response_model=PackageOut)
async def get_package(version: RowId, access: AppReader, session: DbSession) -> PackageOut:
    return package_out(await service.get_package(session, access, version))


@router.delete(
    "/{version}", operation_id="delete_package", status_code=204, responses=error_responses(409)
)
async def delete_package(
    version: RowId,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
    keep_files: Annotated[
        bool, Query(description="Keep the package's files even when nothing else uses them.")
    ] = False,
) -> Response:
    """Refused (409 `package_in_use`) while a release uses the package."""
    await service.delete_package(session, principal, access, version, keep_files)
    return Response(status_code=204)
