"""Who is looking at the dashboard: the `tw_session` cookie, one unit of work per request,
flash messages, and redirects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tradewind.access.principal import Principal
from tradewind.accounts import repository as accounts_repo
from tradewind.accounts import service as accounts
from tradewind.accounts.security import SESSION_PREFIX
from tradewind.context import AppContext
from tradewind.dashboard.render import is_htmx, url
from tradewind.dashboard.security import (
    ANON_COOKIE,
    FLASH_COOKIE,
    SESSION_COOKIE,
    csrf_token,
    flash_value,
    set_cookie,
    verify_csrf,
)
from tradewind.errors import Unauthorized
from tradewind.models import User
from tradewind.settings import Settings


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
    (see `security.submitted_csrf` for `read_body`).

    Commits when the block succeeds, rolls back when it raises."""
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
        yield session, viewer


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
