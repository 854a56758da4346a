"""The dashboard: a FastAPI sub-application mounted at /dashboard in the same process."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from tradewind.context import AppContext
from tradewind.dashboard.forms import sentence
from tradewind.dashboard.render import STATIC_DIR, is_htmx, render
from tradewind.dashboard.routes import (
    account,
    apps,
    codepush,
    dimensions,
    explain,
    guards,
    health,
    ingest,
    invitations,
    keys,
    members,
    orgs,
    packages,
    release_actions,
    releases,
    remote_config,
    tokens,
    users,
)
from tradewind.dashboard.security import SESSION_COOKIE, SecurityHeaders, clear_cookie
from tradewind.dashboard.session import SignInRequired, sign_in_redirect
from tradewind.errors import TradewindError

log = logging.getLogger("tradewind.dashboard")

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Conflict",
    410: "No longer valid",
    413: "Too large",
    422: "Invalid input",
    429: "Too many attempts",
    500: "Something went wrong",
}


def error_page(request: Request, status: int, message: str, code: str = "") -> Response:
    context = {"title": TITLES.get(status, "Error"), "message": message, "code": code}
    if is_htmx(request):
        # Shown in the page's alert area instead of replacing the element that asked.
        headers = {"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"}
        return render(request, "_alert.html", context, status=status, headers=headers)
    return render(request, "error.html", context, status=status)


async def _tradewind_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TradewindError)
    if isinstance(exc, SignInRequired):
        response = sign_in_redirect(request)
        if request.cookies.get(SESSION_COOKIE):
            clear_cookie(response, request.app.state.ctx.settings, SESSION_COOKIE)
        return response
    message = sentence(exc.message)
    return error_page(request, exc.status, message, exc.code)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_page(request, 404, "There is no such page.", "not_found")
    return error_page(request, exc.status_code, str(exc.detail))


async def _bad_path(request: Request, exc: Exception) -> Response:
    # Path parameters of the wrong shape (a release id that is not a number) name nothing.
    return error_page(request, 404, "There is no such page.", "not_found")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled dashboard error on %s %s", request.method, request.url.path)
    return error_page(request, 500, "An unexpected error happened; it has been logged.")


def create_dashboard(ctx: AppContext) -> FastAPI:
    dashboard = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    dashboard.state.ctx = ctx
    dashboard.add_exception_handler(TradewindError, _tradewind_error)
    dashboard.add_exception_handler(HTTPException, _http_error)
    dashboard.add_exception_handler(RequestValidationError, _bad_path)
    dashboard.add_exception_handler(Exception, _unexpected)
    dashboard.add_middleware(SecurityHeaders)
    dashboard.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    modules = (account, tokens, orgs, members, apps, packages, releases, release_actions, users)
    extras = (
        explain,
        dimensions,
        guards,
        ingest,
        health,
        keys,
        codepush,
        remote_config,
        invitations,
    )
    for module in (*modules, *extras):
        dashboard.include_router(module.router)
    return dashboard
