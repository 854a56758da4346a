"""Organisations: list and create, the organisation page (its applications), settings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from tradewind.access import repository as access_repo
from tradewind.access import service as access
from tradewind.access.roles import Role
from tradewind.codepush.deployments import codepush_defaults
from tradewind.dashboard.forms import form_errors, parse, read_form, recoverable
from tradewind.dashboard.render import render
from tradewind.dashboard.session import Viewer, app_context, redirect, signed_in
from tradewind.errors import NotFound, TradewindError, ValidationFailed
from tradewind.models import Organisation
from tradewind.orgs import service as orgs
from tradewind.orgs.schemas import AppCreate, OrgCreate, OrgUpdate

router = APIRouter()
ORG_FIELDS = {"organisation_exists": "name", "org_creation_restricted": "name"}
APP_FIELDS = {"application_exists": "name"}


def _can_create_orgs(request: Request, viewer: Viewer) -> bool:
    policy = app_context(request).settings.org_creation
    return policy == "any_user" or viewer.is_site_admin


async def _home(
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with signed_in(request) as (session, viewer):
        found = await orgs.list_orgs(session, viewer.principal)
        context = {
            "orgs": found,
            "can_create": _can_create_orgs(request, viewer),
            "values": values or {},
            "errors": errors or {},
        }
        return render(request, "orgs/list.html", context, status=status)


@router.get("/")
async def home(request: Request) -> Response:
    return await _home(request)


@router.post("/orgs")
async def create_org(request: Request) -> Response:
    form = await read_form(request)
    try:
        async with signed_in(request) as (session, viewer):
            body = parse(OrgCreate, stripped(form, "name", "display_name"))
            settings = app_context(request).settings
            org = await orgs.create_org(
                session, settings, viewer.principal, body.name, body.display_name
            )
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await _home(request, form, form_errors(exc, ORG_FIELDS), status=422)
    return redirect(request, f"/orgs/{org.name}", flash=f"Organisation {org.name} created.")


def stripped(form: dict[str, str], *names: str) -> dict[str, str]:
    return {name: form.get(name, "").strip() for name in names}


async def visible_org(session: AsyncSession, viewer: Viewer, name: str) -> Organisation:
    """The organisation if the viewer may know it exists (org or app member), else 404."""
    org = await access_repo.org_by_name(session, name)
    if org is None or not await access.can_see_org(session, viewer.principal, org):
        raise NotFound(f"organisation '{name}' not found", code="organisation_not_found")
    return org


async def _org_page(
    request: Request,
    org_name: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with signed_in(request) as (session, viewer):
        org = await visible_org(session, viewer, org_name)
        role = await access.org_role(session, viewer.principal, org)
        apps = await orgs.list_apps(session, viewer.principal, org)
        context = {
            "org": org,
            "role": role,
            "apps": apps,
            "can_admin": role is not None and role.at_least(Role.ADMIN),
            "values": values or {},
            "errors": errors or {},
        }
        return render(request, "orgs/detail.html", context, status=status)


@router.get("/orgs/{org}")
async def org_page(request: Request, org: str) -> Response:
    return await _org_page(request, org)


@router.post("/orgs/{org}/apps")
async def create_app(request: Request, org: str) -> Response:
    form = await read_form(request)
    try:
        async with signed_in(request) as (session, viewer):
            found = await access.require_org(session, viewer.principal, org, Role.ADMIN)
            body = parse(AppCreate, stripped(form, "name", "display_name"))
            app = await orgs.create_app(
                session, viewer.principal, found, body.name, body.display_name, None
            )
            keyring = request.app.state.ctx.keyring
            await codepush_defaults(session, keyring, viewer.principal, found, app)
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await _org_page(request, org, form, form_errors(exc, APP_FIELDS), status=422)
    return redirect(
        request, f"/orgs/{org}/apps/{app.name}", flash=f"Application {app.name} created."
    )


async def _settings_page(
    request: Request,
    org_name: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with signed_in(request) as (session, viewer):
        found = await access.require_org(session, viewer.principal, org_name, Role.READ)
        context = {
            "org": found.org,
            "role": found.role,
            "values": values or {"display_name": found.org.display_name},
            "errors": errors or {},
        }
        return render(request, "orgs/settings.html", context, status=status)


@router.get("/orgs/{org}/settings")
async def org_settings(request: Request, org: str) -> Response:
    return await _settings_page(request, org)


@router.post("/orgs/{org}/settings")
async def update_org(request: Request, org: str) -> Response:
    form = await read_form(request)
    try:
        async with signed_in(request) as (session, viewer):
            found = await access.require_org(session, viewer.principal, org, Role.ADMIN)
            body = parse(OrgUpdate, {"display_name": form.get("display_name", "")})
            await orgs.update_org(session, viewer.principal, found, body.display_name)
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await _settings_page(request, org, form, form_errors(exc), status=422)
    return redirect(request, f"/orgs/{org}/settings", flash="Settings saved.")


@router.post("/orgs/{org}/delete")
async def delete_org(request: Request, org: str) -> Response:
    form = await read_form(request)
    try:
        async with signed_in(request) as (session, viewer):
            found = await access.require_org(session, viewer.principal, org, Role.OWNER)
            if form.get("confirm_name", "").strip() != found.org.name:
                raise ValidationFailed(
                    "type the organisation's name to confirm",
                    details={"fields": {"confirm_name": f"Type “{org}” to confirm."}},
                )
            await orgs.delete_org(session, viewer.principal, found)
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await _settings_page(request, org, None, form_errors(exc), status=422)
    return redirect(request, "/", flash=f"Organisation {org} deleted.")
