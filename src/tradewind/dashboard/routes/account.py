"""Sign in, sign out, and the profile page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.accounts import service as accounts
from tradewind.accounts.schemas import LoginRequest, PasswordChange
from tradewind.dashboard.forms import FORM, form_errors, parse, read_form, recoverable
from tradewind.dashboard.render import render
from tradewind.dashboard.requirements import public, signed_in_user
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
    anonymous_binding,
    app_context,
    redirect,
    safe_next,
    session_cookie,
    signed_in,
)
from tradewind.dashboard.sso import LOGOUT_PATH, sso_buttons, sso_enabled
from tradewind.errors import TradewindError, ValidationFailed

router = APIRouter()


def _login_page(
    request: Request,
    *,
    next_path: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    ctx = app_context(request)
    settings = ctx.settings
    binding = anonymous_binding(request)
    fresh = binding is None
    binding = binding or new_anonymous_binding()
    context = {
        "next": next_path,
        "values": values or {},
        "errors": errors or {},
        "providers": sso_buttons(ctx, next_path),
        "csrf": csrf_token(settings.resolved_secret_key(), binding),
    }
    response = render(request, "login.html", context, status=status)
    if fresh:
        set_cookie(response, settings, ANON_COOKIE, binding, max_age=12 * 3600)
    return response


@router.get("/login", dependencies=public())
async def login_form(request: Request, next: str | None = None) -> Response:
    if session_cookie(request) is not None:
        try:
            async with signed_in(request):
                return redirect(request, safe_next(next))
        except TradewindError:
            pass  # an expired or revoked cookie: show the form
    return _login_page(request, next_path=safe_next(next))


@router.post("/login", dependencies=public())
async def login(request: Request) -> Response:
    ctx = app_context(request)
    await verify_csrf(request, ctx.settings, anonymous_binding(request))
    form = await read_form(request)
    next_path = safe_next(form.get("next"))
    values = {"email": form.get("email", "")}
    try:
        body = parse(LoginRequest, {"email": values["email"], "password": form.get("password", "")})
    except TradewindError as exc:
        return _login_page(
            request, next_path=next_path, values=values, errors=form_errors(exc), status=422
        )
    result = await accounts.login(
        ctx.db,
        ctx.settings,
        ctx.login_ip_failures,
        email=body.email,
        password=body.password,
        client_ip=request.client.host if request.client else "unknown",
        kind="dashboard",
    )
    if result.error is not None:
        errors = {FORM: form_errors(result.error)[FORM]}
        status = result.error.status
        return _login_page(
            request, next_path=next_path, values=values, errors=errors, status=status
        )
    assert result.token is not None
    response = redirect(request, next_path)
    set_cookie(
        response, ctx.settings, SESSION_COOKIE, result.token, ctx.settings.session_ttl_seconds
    )
    clear_cookie(response, ctx.settings, ANON_COOKIE)
    return response


@router.post("/logout", dependencies=signed_in_user())
async def logout(request: Request) -> Response:
    async with signed_in(request) as (session, viewer):
        await accounts.logout(session, viewer.principal)
    ctx = app_context(request)
    response = redirect(request, "/login", flash="You are signed out.")
    if sso_enabled(ctx):
        # 307 keeps the POST: the SSO logout also ends the provider's session when the
        # browser signed in through one (its cookie is scoped to the SSO routes).
        response.status_code = 307
        response.headers["location"] = LOGOUT_PATH
    clear_cookie(response, ctx.settings, SESSION_COOKIE)
    return response


async def _profile(
    request: Request, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    async with signed_in(request) as (_, viewer):
        context = {"user": viewer.user, "errors": errors or {}, "values": {}}
        return render(request, "profile.html", context, status=status)


@router.get("/profile", dependencies=signed_in_user())
async def profile(request: Request) -> Response:
    return await _profile(request)


PASSWORD_FIELDS = {"wrong_password": "current_password", "weak_password": "new_password"}


@router.post("/profile/password", dependencies=signed_in_user())
async def change_password(request: Request) -> Response:
    """Change your own password; your other sessions are signed out."""
    form = await read_form(request)
    settings = app_context(request).settings
    try:
        async with signed_in(request) as (session, viewer):
            if form.get("new_password", "") != form.get("new_password_again", ""):
                raise ValidationFailed(
                    "the new passwords differ",
                    details={"fields": {"new_password_again": "The two new passwords differ."}},
                )
            body = parse(
                PasswordChange,
                {
                    "current_password": form.get("current_password", ""),
                    "new_password": form.get("new_password", ""),
                },
            )
            await accounts.change_password(
                session, settings, viewer.principal, body.current_password, body.new_password
            )
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await _profile(request, form_errors(exc, PASSWORD_FIELDS), status=exc.status)
    return redirect(
        request, "/profile", flash="Password changed. Your other sessions are signed out."
    )
