"""Organisations: list and create, the organisation page (its applications), settings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.access import service as access
from tradewind.access.roles import Role
from tradewind.codepush.deployments import codepush_defaults
from tradewind.dashboard.forms import form_action, parse
from tradewind.dashboard.render import render
from tradewind.dashboard.requirements import org_role, org_visible, signed_in_user
from tradewind.dashboard.session import (
    Viewer,
    app_context,
    on_org,
    on_visible_org,
    redirect,
    signed_in,
)
from tradewind.errors import ValidationFailed
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


@router.get("/", dependencies=signed_in_user())
async def home(request: Request) -> Response:
    return await _home(request)


@router.post("/orgs", dependencies=signed_in_user())
async def create_org(request: Request) -> Response:
    async def act(form: dict[str, str]) -> Response:
        async with signed_in(request) as (session, viewer):
            body = parse(OrgCreate, stripped(form, "name", "display_name"))
            settings = app_context(request).settings
            org = await orgs.create_org(
                session, settings, viewer.principal, body.name, body.display_name
            )
        return redirect(request, f"/orgs/{org.name}", flash=f"Organisation {org.name} created.")

    async def again(form: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _home(request, form, errors, status)

    return await form_action(request, act, again, fields=ORG_FIELDS)


def stripped(form: dict[str, str], *names: str) -> dict[str, str]:
    return {name: form.get(name, "").strip() for name in names}


async def _org_page(
    request: Request,
    org_name: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with on_visible_org(request, org_name) as (session, viewer, org):
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


@router.get("/orgs/{org}", dependencies=org_visible())
async def org_page(request: Request, org: str) -> Response:
    return await _org_page(request, org)


@router.post("/orgs/{org}/apps", dependencies=org_role(Role.ADMIN))
async def create_app(request: Request, org: str) -> Response:
    async def act(form: dict[str, str]) -> Response:
        async with on_org(request, org) as (session, viewer, found):
            body = parse(AppCreate, stripped(form, "name", "display_name"))
            app = await orgs.create_app(
                session, viewer.principal, found, body.name, body.display_name, None
            )
            keyring = request.app.state.ctx.keyring
            await codepush_defaults(session, keyring, viewer.principal, found, app)
        return redirect(
            request, f"/orgs/{org}/apps/{app.name}", flash=f"Application {app.name} created."
        )

    async def again(form: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _org_page(request, org, form, errors, status)

    return await form_action(request, act, again, fields=APP_FIELDS)


async def _settings_page(
    request: Request,
    org_name: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with on_org(request, org_name) as (_session, _viewer, found):
        context = {
            "org": found.org,
            "role": found.role,
            "values": values or {"display_name": found.org.display_name},
            "errors": errors or {},
        }
        return render(request, "orgs/settings.html", context, status=status)


@router.get("/orgs/{org}/settings", dependencies=org_role(Role.READ))
async def org_settings(request: Request, org: str) -> Response:
    return await _settings_page(request, org)


@router.post("/orgs/{org}/settings", dependencies=org_role(Role.ADMIN))
async def update_org(request: Request, org: str) -> Response:
    async def act(form: dict[str, str]) -> Response:
        async with on_org(request, org) as (session, viewer, found):
            body = parse(OrgUpdate, {"display_name": form.get("display_name", "")})
            await orgs.update_org(session, viewer.principal, found, body.display_name)
        return redirect(request, f"/orgs/{org}/settings", flash="Settings saved.")

    async def again(form: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _settings_page(request, org, form, errors, status)

    return await form_action(request, act, again)


@router.post("/orgs/{org}/delete", dependencies=org_role(Role.OWNER))
async def delete_org(request: Request, org: str) -> Response:
    async def act(form: dict[str, str]) -> Response:
        async with on_org(request, org) as (session, viewer, found):
            if form.get("confirm_name", "").strip() != found.org.name:
                raise ValidationFailed(
                    "type the organisation's name to confirm",
                    details={"fields": {"confirm_name": f"Type “{org}” to confirm."}},
                )
            await orgs.delete_org(session, viewer.principal, found)
        return redirect(request, "/", flash=f"Organisation {org} deleted.")

    async def again(_: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _settings_page(request, org, None, errors, status)

    return await form_action(request, act, again)
