"""The page an invitation link opens: create an account (or sign in) and join."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.accounts import service as accounts
from tradewind.dashboard.forms import form_errors, read_form, recoverable
from tradewind.dashboard.render import render, url
from tradewind.dashboard.requirements import public
from tradewind.dashboard.security import (
    ANON_COOKIE,
    SESSION_COOKIE,
    clear_cookie,
    csrf_token,
    new_anonymous_binding,
    set_cookie,
    verify_csrf,
)
from tradewind.dashboard.session import (
    SignInRequired,
    anonymous_binding,
    app_context,
    redirect,
    session_cookie,
    signed_in,
)
from tradewind.dashboard.sso import sso_buttons
from tradewind.errors import TradewindError, ValidationFailed
from tradewind.invitations import service as invitations
from tradewind.invitations.schemas import InvitationOut

router = APIRouter()
FIELDS = {"weak_password": "password"}


def _landing(invitation: InvitationOut) -> str:
    base = f"/orgs/{invitation.org}"
    return base + (f"/apps/{invitation.app}" if invitation.app else "")


async def _signed_in_page(
    request: Request, token: str, errors: dict[str, str], status: int
) -> Response:
    async with signed_in(request) as (session, viewer):
        invitation = await invitations.preview(session, token)
        context = {"invitation": invitation, "me": viewer.email, "errors": errors, "token": token}
        return render(request, "invitation.html", context, status=status)


async def _anonymous_page(
    request: Request, token: str, values: dict[str, str], errors: dict[str, str], status: int
) -> Response:
    ctx = app_context(request)
    async with ctx.db.unit_of_work() as session:
        invitation = await invitations.preview(session, token)
        exists = await invitations.account_exists(session, invitation.email)
    binding = anonymous_binding(request)
    fresh = binding is None
    binding = binding or new_anonymous_binding()
    here = url(f"/invite/{token}")
    context = {
        "invitation": invitation,
        "me": None,
        "account_exists": exists,
        "sign_in": url("/login") + "?next=" + quote(here, safe=""),
        "providers": sso_buttons(ctx, here),
        "values": values,
        "errors": errors,
        "token": token,
        "csrf": csrf_token(ctx.settings.resolved_secret_key(), binding),
    }
    response = render(request, "invitation.html", context, status=status)
    if fresh:
        set_cookie(response, ctx.settings, ANON_COOKIE, binding, max_age=12 * 3600)
    return response


@router.get("/invite/{token}", dependencies=public())
async def invitation_page(request: Request, token: str) -> Response:
    if session_cookie(request) is not None:
        try:
            return await _signed_in_page(request, token, {}, 200)
        except SignInRequired:
            pass  # an expired or revoked cookie: treat the visitor as signed out
    return await _anonymous_page(request, token, {}, {}, 200)


@router.post("/invite/{token}", dependencies=public())
async def accept(request: Request, token: str) -> Response:
    if session_cookie(request) is not None:
        return await _accept_signed_in(request, token)
    ctx = app_context(request)
    await verify_csrf(request, ctx.settings, anonymous_binding(request))
    form = await read_form(request)
    values = {"display_name": form.get("display_name", "").strip()}
    try:
        password = form.get("password", "")
        if password != form.get("password_again", ""):
            raise ValidationFailed(
                "the passwords differ",
                details={"fields": {"password_again": "The two passwords differ."}},
            )
        async with ctx.db.unit_of_work() as session:
            user, joined = await invitations.accept_with_new_account(
                session, ctx.settings, token, values["display_name"][:200], password
            )
            session_token, _ = await accounts.start_session(
                session, ctx.settings, user, "dashboard"
            )
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        errors = form_errors(exc, FIELDS)
        return await _anonymous_page(request, token, values, errors, status=exc.status)
    response = redirect(request, _landing(joined), flash=_welcome(joined))
    ttl = ctx.settings.session_ttl_seconds
    set_cookie(response, ctx.settings, SESSION_COOKIE, session_token, ttl)
    clear_cookie(response, ctx.settings, ANON_COOKIE)
    return response


async def _accept_signed_in(request: Request, token: str) -> Response:
    try:
        async with signed_in(request) as (session, viewer):
            joined = await invitations.accept_as(session, viewer.principal, token)
    except TradewindError as exc:
        if exc.code != "invitation_email_mismatch":
            raise
        return await _signed_in_page(request, token, form_errors(exc), status=exc.status)
    return redirect(request, _landing(joined), flash=_welcome(joined))


def _welcome(joined: InvitationOut) -> str:
    place = f"{joined.org}/{joined.app}" if joined.app else joined.org
    return f"Welcome to {place}: you are {joined.role}."
