"""Site administration: every user account (list, create, disable, reset password, flag)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.accounts import repository as accounts_repo
from tradewind.accounts import service as accounts
from tradewind.accounts.schemas import UserCreate
from tradewind.dashboard.forms import form_action, form_errors, parse, recoverable
from tradewind.dashboard.render import render
from tradewind.dashboard.requirements import site_admin
from tradewind.dashboard.session import redirect, settings_of, signed_in
from tradewind.errors import TradewindError
from tradewind.web.params import RowId

router = APIRouter()
FIELDS = {"email_taken": "email", "invalid_email": "email", "weak_password": "password"}
PAGE = "/admin/users"


async def _page(
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    shown_password: tuple[str, str] | None = None,
) -> Response:
    async with signed_in(request) as (session, viewer):
        context = {
            "users": await accounts_repo.list_users(session),
            "me": viewer.principal.user_id,
            "values": values or {},
            "errors": errors or {},
            "shown_password": shown_password,
        }
        return render(request, "admin/users.html", context, status=status)


@router.get(PAGE, dependencies=site_admin())
async def users_page(request: Request) -> Response:
    return await _page(request)


def _shown(form: dict[str, str]) -> dict[str, str]:
    """What the form shows again after an error: never the password."""
    return {k: form.get(k, "").strip() for k in ("email", "display_name")}


@router.post(PAGE, dependencies=site_admin())
async def create_user(request: Request) -> Response:
    async def act(form: dict[str, str]) -> Response:
        async with signed_in(request) as (session, viewer):
            body = parse(
                UserCreate,
                {
                    **_shown(form),
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
        return redirect(request, PAGE, flash=f"{user.email} created.")

    async def again(form: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _page(request, _shown(form), errors, status)

    return await form_action(request, act, again, fields=FIELDS, status=None)


async def _update(
    request: Request, user_id: int, changes: dict[str, object], done: str
) -> Response:
    try:
        async with signed_in(request) as (session, viewer):
            user = await accounts.update_user(session, viewer.principal, user_id, changes)
            email = user.email
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await _page(request, None, form_errors(exc), status=exc.status)
    return redirect(request, PAGE, flash=f"{email}: {done}.")


@router.post(PAGE + "/{user_id}/disable", dependencies=site_admin())
async def disable_user(request: Request, user_id: RowId) -> Response:
    return await _update(request, user_id, {"disabled": True}, "disabled")


@router.post(PAGE + "/{user_id}/enable", dependencies=site_admin())
async def enable_user(request: Request, user_id: RowId) -> Response:
    return await _update(request, user_id, {"disabled": False}, "enabled")


@router.post(PAGE + "/{user_id}/site-admin", dependencies=site_admin())
async def grant_site_admin(request: Request, user_id: RowId) -> Response:
    return await _update(request, user_id, {"is_site_admin": True}, "now a site administrator")


@router.post(PAGE + "/{user_id}/not-site-admin", dependencies=site_admin())
async def revoke_site_admin(request: Request, user_id: RowId) -> Response:
    return await _update(
        request, user_id, {"is_site_admin": False}, "no longer a site administrator"
    )


@router.post(PAGE + "/{user_id}/password", dependencies=site_admin())
async def reset_password(request: Request, user_id: RowId) -> Response:
    """A new password: the one typed, else a generated one shown once on the page."""

    async def act(form: dict[str, str]) -> Response:
        typed = form.get("password", "") or None
        async with signed_in(request) as (session, viewer):
            generated = await accounts.reset_password(
                session, settings_of(request), viewer.principal, user_id, typed
            )
            user = await accounts_repo.user_by_id(session, user_id)
            assert user is not None  # reset_password found it
            email = user.email
        if generated is None:
            return redirect(request, PAGE, flash=f"{email}: password set; their sessions ended.")
        return await _page(request, shown_password=(email, generated))

    async def again(_: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _page(request, None, errors, status)

    return await form_action(request, act, again, status=None)
