"""Routes for organisations and applications."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tradewind.codepush.deployments import codepush_defaults
from tradewind.orgs import service
from tradewind.orgs.schemas import AppCreate, AppOut, AppUpdate, OrgCreate, OrgOut, OrgUpdate
from tradewind.web.deps import (
    AppAdmin,
    AppReader,
    Ctx,
    CurrentPrincipal,
    DbSession,
    OrgAdmin,
    OrgOwner,
    OrgReader,
    OrgViewer,
)
from tradewind.web.errors import error_responses

router = APIRouter(prefix="/orgs", tags=["organisations"])


@router.get("", operation_id="list_orgs", response_model=list[OrgOut])
async def list_orgs(session: DbSession, principal: CurrentPrincipal) -> list[OrgOut]:
    return [OrgOut.model_validate(o) for o in await service.list_orgs(session, principal)]


@router.post(
    "",
    operation_id="create_org",
    response_model=OrgOut,
    status_code=201,
    responses=error_responses(409),
)
async def create_org(
    body: OrgCreate, session: DbSession, ctx: Ctx, principal: CurrentPrincipal
) -> OrgOut:
    org = await service.create_org(session, ctx.settings, principal, body.name, body.display_name)
    return OrgOut.model_validate(org)


@router.get("/{org}", operation_id="get_org", response_model=OrgOut)
async def get_org(access: OrgReader) -> OrgOut:
    return OrgOut.model_validate(access.org)


@router.patch("/{org}", operation_id="update_org", response_model=OrgOut)
async def update_org(
    body: OrgUpdate, access: OrgAdmin, session: DbSession, principal: CurrentPrincipal
) -> OrgOut:
    return OrgOut.model_validate(
        await service.update_org(session, principal, access, body.display_name)
    )


@router.delete("/{org}", operation_id="delete_org", status_code=204)
async def delete_org(access: OrgOwner, session: DbSession, principal: CurrentPrincipal) -> Response:
    await service.delete_org(session, principal, access)
    return Response(status_code=204)


@router.get("/{org}/apps", operation_id="list_apps", response_model=list[AppOut])
async def list_apps(
    organisation: OrgViewer, session: DbSession, principal: CurrentPrincipal
) -> list[AppOut]:
    apps = await service.list_apps(session, principal, organisation)
    return [AppOut.model_validate(a) for a in apps]


@router.post(
    "/{org}/apps",
    operation_id="create_app",
    response_model=AppOut,
    status_code=201,
    responses=error_responses(409),
)
async def create_app(
    body: AppCreate, access: OrgAdmin, session: DbSession, principal: CurrentPrincipal, ctx: Ctx
) -> AppOut:
    app = await service.create_app(
        session,
        principal,
        access,
        body.name,
        body.display_name,
        body.identifier_dimension,
        body.channel_dimension,
    )
    await codepush_defaults(session, ctx.keyring, principal, access, app)
    return AppOut.model_validate(app)


@router.get("/{org}/apps/{app}", operation_id="get_app", response_model=AppOut)
async def get_app(access: AppReader) -> AppOut:
    return AppOut.model_validate(access.app)


@router.patch("/{org}/apps/{app}", operation_id="update_app", response_model=AppOut)
async def update_app(
    body: AppUpdate, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> AppOut:
    changes = body.model_dump(exclude_unset=True)
    return AppOut.model_validate(await service.update_app(session, principal, access, changes))


@router.post(
    "/{org}/apps/{app}/ingest-key/rotate", operation_id="rotate_ingest_key", response_model=AppOut
)
async def rotate_ingest_key(
    access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> AppOut:
    """Replace the application's ingest key (devices must be given the new one)."""
    return AppOut.model_validate(await service.rotate_ingest_key(session, principal, access))


@router.delete("/{org}/apps/{app}", operation_id="delete_app", status_code=204)
async def delete_app(access: AppAdmin, session: DbSession, principal: CurrentPrincipal) -> Response:
    await service.delete_app(session, principal, access)
    return Response(status_code=204)
