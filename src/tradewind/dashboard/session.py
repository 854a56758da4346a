"""Who is looking at the dashboard: the `tw_session` cookie, one unit of work per request,
flash messages, and redirects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import get_args
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tradewind.access import service as access
from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess, OrgAccess
from tradewind.accounts import repository as accounts_repo
from tradewind.accounts import service as accounts
from tradewind.accounts.security import SESSION_PREFIX
from tradewind.context import AppContext
from tradewind.dashboard.render import is_htmx, url
from tradewind.dashboard.requirements import Scope, declared
from tradewind.dashboard.security import (
    ANON_COOKIE,
    FLASH_COOKIE,
    SESSION_COOKIE,
    csrf_token,
    flash_value,
    set_cookie,
    verify_csrf,
)
from tradewind.errors import Forbidden, Unauthorized
from tradewind.models import Organisation, User
from tradewind.settings import Settings

SCOPES: tuple[Scope, ...] = get_args(Scope)


class SignInRequired(Unauthorized):
    """No valid session: the dashboard answers with a redirect to the sign-in page."""


@dataclass(frozen=True, slots=True)
class Viewer:
    principal: Principal
    user: User

    @property
    def email(self) -> str:
        return self.principal.email

    @property
    def is_site_admin(self) -> bool:
        return self.principal.is_site_admin


def app_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def settings_of(request: Request) -> Settings:
    return app_context(request).settings


def session_cookie(request: Request) -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
    return token if token and token.startswith(SESSION_PREFIX) else None


@asynccontextmanager
async def signed_in(
    request: Request, *, read_body: bool = True
) -> AsyncIterator[tuple[AsyncSession, Viewer]]:
    """A unit of work for a signed-in browser; unsafe methods must pass the CSRF check first
    (see `security.submitted_csrf` for `read_body`). Checks the route's declared requirement
    when it needs no object (a site administrator); `on_org` and `on_app` check the others.

    Commits when the block succeeds, rolls back when it raises."""
    requirement = declared(request, *SCOPES)
    ctx = app_context(request)
    token = session_cookie(request)
    if token is None:
        raise SignInRequired("sign in to continue", code="authentication_required")
    async with ctx.db.unit_of_work() as session:
        try:
            principal = await accounts.authenticate(session, token)
        except Unauthorized as exc:
            raise SignInRequired(exc.message, code=exc.code) from exc
        await verify_csrf(request, ctx.settings, token, read_body=read_body)
        user = await accounts_repo.user_by_id(session, principal.user_id)
        assert user is not None  # authenticate() checked it exists and is enabled
        viewer = Viewer(principal, user)
        request.state.viewer = viewer
        request.state.csrf = csrf_token(ctx.settings.resolved_secret_key(), token)
        if requirement.scope == "site_admin" and not viewer.is_site_admin:
            raise Forbidden("site administrators only", code="site_admin_required")
        yield session, viewer


@asynccontextmanager
async def on_visible_org(
    request: Request, org: str
) -> AsyncIterator[tuple[AsyncSession, Viewer, Organisation]]:
    """`signed_in`, on an organisation the viewer may know exists (`org_visible`), or on which
    it has the role the route declares (`org_role`: a form that shows this page again)."""
    requirement = declared(request, "org_visible", "org")
    async with signed_in(request) as (session, viewer):
        if requirement.role is None:
            found = await access.require_org_visible(session, viewer.principal, org)
        else:
            found = (await access.require_org(session, viewer.principal, org, requirement.role)).org
        yield session, viewer, found


@asynccontextmanager
async def on_org(
    request: Request, org: str
) -> AsyncIterator[tuple[AsyncSession, Viewer, OrgAccess]]:
    """`signed_in`, with the role the route declares (`org_role`) on the organisation."""
    role = declared(request, "org").role
    assert role is not None
    async with signed_in(request) as (session, viewer):
        yield session, viewer, await access.require_org(session, viewer.principal, org, role)


@asynccontextmanager
async def on_app(
    request: Request, org: str, app: str, *, read_body: bool = True
) -> AsyncIterator[tuple[AsyncSession, Viewer, AppAccess]]:
    """`signed_in`, with the role the route declares (`app_role`) on the application."""
    declared(request, "app")
    async with signed_in(request, read_body=read_body) as (session, viewer):
        yield session, viewer, await app_access(request, session, viewer.principal, org, app)


async def app_access(
    request: Request, session: AsyncSession, principal: Principal, org: str, app: str
) -> AppAccess:
    """The role the route declares on the application, checked in `session`: `on_app`'s
    check, or the same again in a later unit of work of the request (after an upload)."""
    role = declared(request, "app").role
    assert role is not None
    return await access.require_app(session, principal, org, app, role)


def redirect(request: Request, path: str, flash: str | None = None) -> Response:
    """303 to a dashboard page (or an HX-Redirect for HTMX requests), with a flash message."""
    target = path if path.startswith(url("/")) else url(path)
    response: Response
    if is_htmx(request):
        response = Response(status_code=200, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    if flash:
        settings = settings_of(request)
        set_cookie(response, settings, FLASH_COOKIE, flash_value(settings, flash), max_age=60)
    return response


def sign_in_redirect(request: Request) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = url("/login")
    if request.method == "GET" and here not in (url("/"), url("/login")):
        target += "?next=" + quote(here, safe="")
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def safe_next(value: str | None) -> str:
    """Only paths inside the dashboard, never another site (`//evil`, `/\\evil`)."""
    if not value or not value.startswith(url("/")) or value.startswith(("//", "/\\")):
        return url("/")
    if any(c in value for c in "\\\r\n\t"):
        return url("/")
    return value


def anonymous_binding(request: Request) -> str | None:
    return request.cookies.get(ANON_COOKIE) or None
