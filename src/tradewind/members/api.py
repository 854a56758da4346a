"""Routes for organisation and application members."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tradewind.access.roles import Role
from tradewind.members import service
from tradewind.members.schemas import (
    AppMemberAdd,
    AppMemberUpdate,
    MemberOut,
    OrgMemberAdd,
    OrgMemberUpdate,
)
from tradewind.web.deps import (
    AppAdmin,
    AppReader,
    CurrentPrincipal,
    DbSession,
    OrgAdmin,
    OrgReader,
)
from tradewind.web.errors import error_responses

router = APIRouter(prefix="/orgs/{org}", tags=["members"])
CONFLICT = error_responses(409)


@router.get("/members", operation_id="list_org_members", response_model=list[MemberOut])
async def list_org_members(access: OrgReader, session: DbSession) -> list[MemberOut]:
    return await service.list_members(session, access)


@router.post(
    "/members",
    operation_id="add_org_member",
    response_model=MemberOut,
    status_code=201,
    responses=CONFLICT,
)
async def add_org_member(
    body: OrgMemberAdd, access: OrgAdmin, session: DbSession, principal: CurrentPrincipal
) -> MemberOut:
    return await service.add_member(session, principal, access, body.email, body.role)


@router.patch(
    "/members/{email}",
    operation_id="change_org_member",
    response_model=MemberOut,
    responses=CONFLICT,
)
async def change_org_member(
    email: str,
    body: OrgMemberUpdate,
    access: OrgAdmin,
    session: DbSession,
    principal: CurrentPrincipal,
) -> MemberOut:
    return await service.change_member(session, principal, access, email, body.role)


@router.delete(
    "/members/{email}", operation_id="remove_org_member", status_code=204, responses=CONFLICT
)
async def remove_org_member(
    email: str, access: OrgAdmin, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await service.remove_member(session, principal, access, email)
    return Response(status_code=204)


@router.delete("/membership", operation_id="leave_org", status_code=204, responses=CONFLICT)
async def leave_org(access: OrgReader, session: DbSession, principal: CurrentPrincipal) -> Response:
    await service.leave(session, principal, access)
    return Response(status_code=204)


@router.get("/apps/{app}/members", operation_id="list_app_members", response_model=list[MemberOut])
async def list_app_members(access: AppReader, session: DbSession) -> list[MemberOut]:
    return await service.list_members(session, access)


@router.post(
    "/apps/{app}/members",
    operation_id="add_app_member",
    response_model=MemberOut,
    status_code=201,
    responses=CONFLICT,
)
async def add_app_member(
    body: AppMemberAdd, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> MemberOut:
    return await service.add_member(session, principal, access, body.email, Role(body.role))


@router.patch(
    "/apps/{app}/members/{email}", operation_id="change_app_member", response_model=MemberOut
)
async def change_app_member(
    email: str,
    body: AppMemberUpdate,
    access: AppAdmin,
    session: DbSession,
    principal: CurrentPrincipal,
) -> MemberOut:
    return await service.change_member(session, principal, access, email, Role(body.role))


@router.delete("/apps/{app}/members/{email}", operation_id="remove_app_member", status_code=204)
async def remove_app_member(
    email: str, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await service.remove_member(session, principal, access, email)
    return Response(status_code=204)


@router.delete("/apps/{app}/membership", operation_id="leave_app", status_code=204)
async def leave_app(access: AppReader, session: DbSession, principal: CurrentPrincipal) -> Response:
    await service.leave(session, principal, access)
    return Response(status_code=204)
