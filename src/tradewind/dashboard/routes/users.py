"""Site administration: every user account (list, create, disable, reset password, flag)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.accounts import repository as accounts_repo
from tradewind.accounts import service as accounts
from tradewind.accounts.schemas import UserCreate
from tradewind.dashboard.forms import form_errors, parse, read_form, recoverable
from tradewind.dashboard.render import render
from tradewind.dashboard.session import Viewer, redirect, settings_of, signed_in
from tradewind.errors import Forbidden, TradewindError
from tradewind.web.params import RowId

router = APIRouter()
FIELDS = {"email_taken": "email", "invalid_email": "email", "weak_password": "password"}
PAGE = "/admin/users"


def _require_site_admin(viewer: Viewer) -> None:
    if not viewer.is_site_admin:
        raise Forbidden("site administrators only", code="site_admin_required")


async def _page(
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    shown_password: tuple[str, str] | None = None,
) -> Response:
    async with signed_in(request) as (session, viewer):
        _require_site_admin(viewer)
        context = {
            "users": await accounts_repo.list_users(session),
            "me": viewer.principal.user_id,
            "values": values or {},
            "errors": errors or {},
            "shown_password": shown_password,
        }
        return render(request, "admin/users.html", context, status=status)


@router.get(PAGE)
async def users_page(request: Request) -> Response:
    return await _page(request)


@router.post(PAGE)
async def create_user(request: Request) -> Response:
    form = await read_form(request)
    values = {k: form.get(k, "").strip() for k in ("email", "display_name")}
    try:
        async with signed_in(request) as (session, viewer):
            _require_site_admin(viewer)
            body = parse(
                UserCreate,
                {
                    **values,
                    "password": form.get("password", ""),
                    "is_site_admin": form.get("is_site_admin") == "on",
                },
            )
            user = await accounts.create_user(
                session,
                settings_of(request),
                email=body.email,
                display_name=body.display_name,
                password=body.password,
                is_site_admin=body.is_site_admin,
            )
            await accounts.record_user_created(session, viewer.principal, user)
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await _page(request, values, form_errors(exc, FIELDS), status=exc.status)
    return redirect(request, PAGE, flash=f"{user.email} created.")


async def _update(
    request: Request, user_id: int, changes: dict[str, object], done: str
) -> Response:
    try:
        async with signed_in(request) as (session, viewer):
            _require_site_admin(viewer)
            user = await accounts.update_user(session, viewer.principal, user_id, changes)
            email = user.email
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await _page(request, None, form_errors(exc), status=exc.status)
    return redirect(request, PAGE, flash=f"{email}: {done}.")


@router.post(PAGE + "/{user_id}/disable")
async def disable_user(request: Request, user_id: RowId) -> Response:
    return await _update(request, user_id, {"disabled": True}, "disabled")


@router.post(PAGE + "/{user_id}/enable")
async def enable_user(request: Request, user_id: RowId) -> Response:
    return await _update(request, user_id, {"disabled": False}, "enabled")


@router.post(PAGE + "/{user_id}/site-admin")
async def grant_site_admin(request: Request, user_id: RowId) -> Response:
    return await _update(request, user_id, {"is_site_admin": True}, "now a site administrator")


@router.post(PAGE + "/{user_id}/not-site-admin")
async def revoke_site_admin(request: Request, user_id: RowId) -> Response:
    return await _update(
        request, user_id, {"is_site_admin": False}, "no longer a site administrator"
    )


@router.post(PAGE + "/{user_id}/password")
async def reset_password(request: Request, user_id: RowId) -> Response:
    """A new password: the one typed, else a generated one shown once on the page."""
    form = await read_form(request)
    typed = form.get("password", "") or None
    try:
        async with signed_in(request) as (session, viewer):
            _require_site_admin(viewer)
            generated = await accounts.reset_password(
                session, settings_of(request), viewer.principal, user_id, typed
            )
            user = await accounts_repo.user_by_id(session, user_id)
            assert user is not None  # reset_password found it
            email = user.email
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await _page(request, None, form_errors(exc), status=exc.status)
    if generated is None:
        return redirect(request, PAGE, flash=f"{email}: password set; their sessions ended.")
    return await _page(request, shown_password=(email, generated))
