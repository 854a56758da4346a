"""Members of an organisation or an application: add or invite, change role, remove, and the
pending invitations (withdraw). An email without an account gets an invitation link."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from tradewind.access.principal import Principal
from tradewind.access.roles import Role
from tradewind.access.service import AppAccess, OrgAccess
from tradewind.accounts.service import normalise_email
from tradewind.dashboard.forms import form_errors, parse, read_form, recoverable
from tradewind.dashboard.render import render
from tradewind.dashboard.requirements import app_role, org_role
from tradewind.dashboard.session import Viewer, on_app, on_org, redirect, settings_of
from tradewind.errors import TradewindError
from tradewind.invitations import service as invitations
from tradewind.invitations.schemas import InvitationOut
from tradewind.members import service as members
from tradewind.members.schemas import (
    AppMemberAdd,
    AppMemberUpdate,
    OrgMemberAdd,
    OrgMemberUpdate,
)
from tradewind.settings import Settings
from tradewind.web.params import RowId

router = APIRouter()
FIELDS = {
    "user_not_found": "email",
    "member_exists": "email",
    "invalid_email": "email",
    "invalid_role": "role",
    "insufficient_role": "role",
}
ORG_ROLES = [r.value for r in (Role.READ, Role.WRITE, Role.ADMIN, Role.OWNER)]
APP_ROLES = [r.value for r in (Role.READ, Role.WRITE, Role.ADMIN)]


def _on(
    request: Request, org: str, app: str | None
) -> AbstractAsyncContextManager[tuple[AsyncSession, Viewer, OrgAccess | AppAccess]]:
    """The unit of work of the members page of an organisation, or of an application."""
    return on_org(request, org) if app is None else on_app(request, org, app)


def _path(org: str, app: str | None) -> str:
    return f"/orgs/{org}" + (f"/apps/{app}" if app else "") + "/members"


async def _page(
    request: Request,
    org: str,
    app: str | None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    invited: invitations.NewInvitation | None = None,
) -> Response:
    async with _on(request, org, app) as (session, viewer, found):
        is_admin = found.role.at_least(Role.ADMIN)
        context = {
            "invitations": await invitations.list_pending(session, found) if is_admin else [],
            "invited": invited,
            "org": found.org,
            "app": found.app if isinstance(found, AppAccess) else None,
            "role": found.role,
            "tab": "members",
            "members": await members.list_members(session, found),
            "roles": APP_ROLES if app else ORG_ROLES,
            "base": _path(org, app),
            "invite_base": _path(org, app).removesuffix("/members") + "/invitations",
            "me": viewer.email,
            "values": values or {"role": "read"},
            "errors": errors or {},
        }
        template = "apps/members.html" if app else "orgs/members.html"
        return render(request, template, context, status=status)


async def _change(
    request: Request, org: str, app: str | None, action: str, email: str = ""
) -> Response:
    form = await read_form(request)
    settings = settings_of(request)
    try:
        async with _on(request, org, app) as (session, viewer, found):
            done = await _apply(
                session, viewer.principal, found, action, email, form, app, settings
            )
    except TradewindError as exc:
        # An admin asking for the owner role keeps the form too; other refusals are pages.
        grants_owner = exc.code == "insufficient_role" and exc.details.get("needed") == "owner"
        if not recoverable(exc) and not grants_owner:
            raise
        values = form if action == "add" else None
        return await _page(request, org, app, values, form_errors(exc, FIELDS), status=exc.status)
    if isinstance(done, str):
        return redirect(request, _path(org, app), flash=done)
    # Committed: the link is shown once on the page, and mailed when SMTP is configured.
    invited = await invitations.deliver(settings, done[0], done[1])
    return await _page(request, org, app, invited=invited, status=201)


async def _apply(
    session: AsyncSession,
    principal: Principal,
    found: OrgAccess | AppAccess,
    action: str,
    email: str,
    form: dict[str, str],
    app: str | None,
    settings: Settings,
) -> str | tuple[InvitationOut, str]:
    """A flash message, or the invitation made for an email that has no account yet."""
    if action == "add":
        data = {"email": form.get("email", "").strip(), "role": form.get("role")}
        body = parse(AppMemberAdd, data) if app else parse(OrgMemberAdd, data)
        role = Role(body.role)
        if not await invitations.account_exists(session, normalise_email(body.email)):
            return await invitations.invite(session, settings, principal, found, body.email, role)
        member = await members.add_member(session, principal, found, body.email, role)
        return f"{member.email} added as {member.role}."
    if action == "revoke":
        await invitations.revoke(session, principal, found, int(email))
        return "Invitation withdrawn."
    if action == "role":
        data = {"role": form.get("role")}
        new_role = (parse(AppMemberUpdate, data) if app else parse(OrgMemberUpdate, data)).role
        member = await members.change_member(session, principal, found, email, Role(new_role))
        return f"{member.email} is now {member.role}."
    await members.remove_member(session, principal, found, email)
    return f"{email} removed."


@router.get("/orgs/{org}/members", dependencies=org_role(Role.READ))
async def org_members(request: Request, org: str) -> Response:
    return await _page(request, org, None)


@router.post("/orgs/{org}/members", dependencies=org_role(Role.ADMIN))
async def add_org_member(request: Request, org: str) -> Response:
    return await _change(request, org, None, "add")


@router.post("/orgs/{org}/members/{email}/role", dependencies=org_role(Role.ADMIN))
async def change_org_member(request: Request, org: str, email: str) -> Response:
    return await _change(request, org, None, "role", email)


@router.post("/orgs/{org}/members/{email}/remove", dependencies=org_role(Role.ADMIN))
async def remove_org_member(request: Request, org: str, email: str) -> Response:
    return await _change(request, org, None, "remove", email)


@router.get("/orgs/{org}/apps/{app}/members", dependencies=app_role(Role.READ))
async def app_members(request: Request, org: str, app: str) -> Response:
    return await _page(request, org, app)


@router.post("/orgs/{org}/apps/{app}/members", dependencies=app_role(Role.ADMIN))
async def add_app_member(request: Request, org: str, app: str) -> Response:
    return await _change(request, org, app, "add")


@router.post("/orgs/{org}/apps/{app}/members/{email}/role", dependencies=app_role(Role.ADMIN))
async def change_app_member(request: Request, org: str, app: str, email: str) -> Response:
    return await _change(request, org, app, "role", email)


@router.post("/orgs/{org}/apps/{app}/members/{email}/remove", dependencies=app_role(Role.ADMIN))
async def remove_app_member(request: Request, org: str, app: str, email: str) -> Response:
    return await _change(request, org, app, "remove", email)


@router.post("/orgs/{org}/invitations/{invitation_id}/revoke", dependencies=org_role(Role.ADMIN))
async def revoke_org_invitation(request: Request, org: str, invitation_id: RowId) -> Response:
    return await _change(request, org, None, "revoke", str(invitation_id))


@router.post(
    "/orgs/{org}/apps/{app}/invitations/{invitation_id}/revoke", dependencies=app_role(Role.ADMIN)
)
async def revoke_app_invitation(
    request: Request, org: str, app: str, invitation_id: RowId
) -> Response:
    return await _change(request, org, app, "revoke", str(invitation_id))
