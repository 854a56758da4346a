"""Personal API tokens: create (the secret is shown once) and revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.dashboard.forms import form_errors, parse, read_form, recoverable
from tradewind.dashboard.render import render
from tradewind.dashboard.requirements import signed_in_user
from tradewind.dashboard.session import redirect, signed_in
from tradewind.errors import TradewindError
from tradewind.orgs import service as orgs
from tradewind.tokens import service as tokens
from tradewind.tokens.schemas import TokenCreate

router = APIRouter(prefix="/tokens")
FIELDS = {
    "token_name_taken": "name",
    "organisation_not_found": "org",
    "application_not_found": "app",
    "insufficient_role": "max_role",
    "invalid_expiry": "expires_in_days",
}
ROLES = ["", "read", "write", "admin", "owner"]


async def _page(
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    created: tokens.NewToken | None = None,
    status: int = 200,
) -> Response:
    async with signed_in(request) as (session, viewer):
        context = {
            "tokens": await tokens.list_tokens(session, viewer.principal),
            "orgs": await orgs.list_orgs(session, viewer.principal),
            "roles": ROLES,
            "values": values or {"expires_in_days": "90"},
            "errors": errors or {},
            "created": created,
        }
        return render(request, "account/tokens.html", context, status=status)


@router.get("", dependencies=signed_in_user())
async def list_tokens(request: Request) -> Response:
    return await _page(request)


def _payload(form: dict[str, str]) -> dict[str, object]:
    """Empty optional fields mean "no restriction" / "no expiry"."""
    payload: dict[str, object] = {"name": form.get("name", "")}
    for name in ("org", "app", "max_role"):
        if form.get(name, "").strip():
            payload[name] = form[name].strip()
    days = form.get("expires_in_days", "").strip()
    if days:
        payload["expires_in_days"] = days
    return payload


@router.post("", dependencies=signed_in_user())
async def create_token(request: Request) -> Response:
    form = await read_form(request)
    try:
        async with signed_in(request) as (session, viewer):
            body = parse(TokenCreate, _payload(form))
            created = await tokens.create_token(
                session,
                viewer.principal,
                tokens.TokenRequest(
                    name=body.name,
                    expires_in_days=body.expires_in_days,
                    org=body.org,
                    app=body.app,
                    max_role=body.max_role,
                ),
            )
    except TradewindError as exc:
        if not recoverable(exc) and exc.code != "insufficient_role":
            raise
        return await _page(request, form, form_errors(exc, FIELDS), status=exc.status)
    # Rendered, not redirected: the secret must never travel in a URL or a cookie.
    return await _page(request, created=created, status=201)


@router.post("/{token_id}/revoke", dependencies=signed_in_user())
async def revoke_token(request: Request, token_id: int) -> Response:
    async with signed_in(request) as (session, viewer):
        await tokens.revoke_token(session, viewer.principal, token_id)
    return redirect(request, "/tokens", flash="Token revoked.")
