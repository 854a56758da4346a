"""Single sign-on routes: provider list, dashboard sign-in and logout, CLI sign-in.

Browser routes answer with redirects and cookies; the JSON API itself keeps using bearer
tokens only. Cookies are HttpOnly, SameSite=Lax, and Secure when the public base URL is https.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from tradewind.accounts.schemas import LoginResponse, UserOut
from tradewind.errors import TradewindError
from tradewind.oidc import device, service, signin
from tradewind.oidc import flow as flows
from tradewind.oidc.protocol import DevicePending
from tradewind.oidc.schemas import (
    DeviceAuthorizationOut,
    DevicePendingOut,
    DevicePollRequest,
    ProviderOut,
    RedeemRequest,
)
from tradewind.settings import Settings
from tradewind.web.deps import Ctx, DbSession
from tradewind.web.errors import error_responses

router = APIRouter(prefix="/auth/oidc", tags=["single sign-on"])

SESSION_COOKIE = "tw_session"  # the dashboard's session cookie
LOGIN_ERRORS = error_responses(400, 403, 404, 503)


def _set_cookie(
    response: Response, settings: Settings, name: str, value: str, max_age: int, path: str
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="lax",
        secure=settings.base_url().startswith("https://"),
    )


def _clear_cookie(response: Response, settings: Settings, name: str, path: str) -> None:
    response.delete_cookie(
        name,
        path=path,
        httponly=True,
        samesite="lax",
        secure=settings.base_url().startswith("https://"),
    )


def _session_out(new: service.NewSession) -> LoginResponse:
    return LoginResponse(
        token=new.token, expires_at=new.expires_at, user=UserOut.model_validate(new.user)
    )


@router.get("/providers", operation_id="list_sso_providers", response_model=list[ProviderOut])
async def list_providers(ctx: Ctx) -> list[ProviderOut]:
    """The configured providers, for the sign-in page and the CLI (no authentication)."""
    return [
        ProviderOut(
            name=p.name,
            display_name=p.config.display_name or p.name,
            login_url=f"/api/v1/auth/oidc/{p.name}/login",
            device_flow=bool(p.metadata and p.metadata.device_authorization_endpoint),
            ready=p.status() == "ok",
        )
        for p in await ctx.oidc.load_all()
    ]


@router.get(
    "/{provider}/login",
    operation_id="sso_login",
    status_code=302,
    response_class=RedirectResponse,
    responses=LOGIN_ERRORS,
)
async def login(
    provider: str,
    ctx: Ctx,
    next: str | None = None,
    cli_port: Annotated[int | None, Query(ge=1024, le=65535)] = None,
    cli_challenge: Annotated[str | None, Query(max_length=128)] = None,
) -> RedirectResponse:
    """Redirect to the provider. `next` is where to land afterwards (a path on this site);
    `cli_port` + `cli_challenge` are used by `tradewind login --sso` (loopback flow)."""
    start = await signin.begin_login(ctx.oidc, provider, next, cli_port, cli_challenge)
    response = RedirectResponse(start.authorization_url, status_code=302)
    _set_cookie(
        response,
        ctx.settings,
        flows.FLOW_COOKIE,
        start.flow_cookie,
        flows.FLOW_TTL_SECONDS,
        flows.COOKIE_PATH,
    )
    return response


@router.get(
    "/{provider}/callback",
    operation_id="sso_callback",
    status_code=303,
    response_class=RedirectResponse,
    responses=error_responses(400, 401, 403, 404, 409, 503),
)
async def callback(
    provider: str,
    request: Request,
    ctx: Ctx,
    session: DbSession,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=2000)] = None,
) -> RedirectResponse:
    """Where the provider sends the browser back: checks state, exchanges the code, checks
    the ID token (signature, issuer, audience, expiry, nonce), then signs the user in."""
    flow = signin.open_callback(ctx.oidc, provider, request.cookies.get(flows.FLOW_COOKIE), state)
    if flow.cli_port is not None:
        target = await _cli_callback(ctx, session, flow, code, error, error_description)
        response = RedirectResponse(target, status_code=303)
    else:
        ext, id_token = await signin.finish_login(ctx.oidc, flow, code, error, error_description)
        config = ctx.oidc.get(flow.provider).config
        user = await service.sign_in_user(session, ctx.settings, config, ext)
        new = await service.start_session(session, ctx.settings, user, "sso-dashboard")
        response = RedirectResponse(flow.next, status_code=303)
        ttl = ctx.settings.session_ttl_seconds
        _set_cookie(response, ctx.settings, SESSION_COOKIE, new.token, ttl, "/")
        hint = signin.logout_hint(ctx.oidc, flow.provider, id_token)
        _set_cookie(response, ctx.settings, flows.LOGOUT_COOKIE, hint, ttl, flows.COOKIE_PATH)
    _clear_cookie(response, ctx.settings, flows.FLOW_COOKIE, flows.COOKIE_PATH)
    return response


async def _cli_callback(
    ctx: Ctx,
    session: DbSession,
    flow: flows.LoginFlow,
    code: str | None,
    error: str | None,
    error_description: str | None,
) -> str:
    """The CLI's listener gets a one-time code (or the error) instead of a cookie."""
    assert flow.cli_port is not None
    try:
        ext, _ = await signin.finish_login(ctx.oidc, flow, code, error, error_description)
        config = ctx.oidc.get(flow.provider).config
        user = await service.sign_in_user(session, ctx.settings, config, ext)
    except TradewindError as exc:
        await session.rollback()
        return flows.cli_redirect(flow.cli_port, service.error_params(exc))
    return signin.cli_handoff_url(ctx.oidc, flow, user.id)


@router.post(
    "/{provider}/redeem",
    operation_id="sso_redeem",
    response_model=LoginResponse,
    responses=error_responses(400, 401, 404),
)
async def redeem(provider: str, body: RedeemRequest, ctx: Ctx, session: DbSession) -> LoginResponse:
    """The CLI trades the one-time code from its loopback listener, plus the PKCE verifier it
    started with, for a Tradewind session."""
    new = await signin.redeem_handoff(session, ctx.oidc, provider, body.code, body.code_verifier)
    return _session_out(new)


@router.post(
    "/{provider}/device",
    operation_id="sso_device_start",
    response_model=DeviceAuthorizationOut,
    responses=LOGIN_ERRORS,
)
async def device_start(provider: str, ctx: Ctx) -> DeviceAuthorizationOut:
    """Start device sign-in (RFC 8628) for the CLI: show `user_code` and `verification_uri`."""
    return DeviceAuthorizationOut.model_validate(await device.start(ctx.oidc, provider))


@router.post(
    "/{provider}/device/token",
    operation_id="sso_device_poll",
    response_model=LoginResponse,
    responses={
        202: {"model": DevicePendingOut, "description": "not approved yet; poll again"},
        **error_responses(400, 401, 403, 404, 409, 503),
    },
)
async def device_poll(
    provider: str, body: DevicePollRequest, ctx: Ctx, session: DbSession
) -> LoginResponse | JSONResponse:
    """Poll device sign-in: 202 while pending (respect `interval`), then the session."""
    result = await device.poll(session, ctx.oidc, provider, body.device_code)
    if isinstance(result, DevicePending):
        return JSONResponse({"status": result.status}, status_code=202)
    return _session_out(result)


@router.post("/logout", operation_id="sso_logout", status_code=303, response_class=RedirectResponse)
async def logout(request: Request, ctx: Ctx, session: DbSession) -> RedirectResponse:
    """Dashboard sign-out: end the `tw_session` session, then pass through the provider's
    end-session endpoint when the browser signed in through one that has it."""
    await signin.end_local_session(session, request.cookies.get(SESSION_COOKIE))
    hint = request.cookies.get(flows.LOGOUT_COOKIE)
    target = signin.provider_logout_url(ctx.oidc, hint) or flows.DEFAULT_NEXT
    response = RedirectResponse(target, status_code=303)
    _clear_cookie(response, ctx.settings, SESSION_COOKIE, "/")
    _clear_cookie(response, ctx.settings, flows.LOGOUT_COOKIE, flows.COOKIE_PATH)
    return response
