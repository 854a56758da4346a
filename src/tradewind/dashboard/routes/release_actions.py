"""Release lifecycle actions: a confirmation step showing what devices will get afterwards,
then the action itself (ramp, pause, resume, conclude, discard, retire, rollback)."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from tradewind.access.principal import Principal
from tradewind.access.roles import Role
from tradewind.access.service import AppAccess
from tradewind.dashboard.forms import form_action, form_errors, recoverable, sentence
from tradewind.dashboard.preview import DESTRUCTIVE, TITLES, preview
from tradewind.dashboard.release_changes import confirm_changes
from tradewind.dashboard.render import is_htmx, percent, render
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.routes.releases import release_page
from tradewind.dashboard.session import on_app, redirect
from tradewind.errors import NotFound, TradewindError
from tradewind.releases import lifecycle, views
from tradewind.releases import service as releases
from tradewind.releases.lifecycle import UNFINISHED, Action
from tradewind.releases.live import load_live_state
from tradewind.releases.schemas import ReleaseOut
from tradewind.targeting.bucket import percentage_to_bp

router = APIRouter(prefix="/orgs/{org}/apps/{app}/releases/{release_id}")
ACTION_FIELDS = {"invalid_percentage": "percentage", "invalid_transition": "_form"}
PENDING_LIMIT = 100


def _action(name: str) -> Action:
    if name not in TITLES:
        raise NotFound("there is no such page", code="not_found")
    return cast(Action, name)


async def _pending(
    session: AsyncSession, found: AppAccess, release: ReleaseOut
) -> list[ReleaseOut]:
    """Unfinished releases of the same exact target and channel (a rollback discards them)."""
    rows = await views.list_releases(
        session, found.app.id, tuple(UNFINISHED), release.channel, PENDING_LIMIT, None
    )
    return [r for r in rows if r.target == release.target and r.id != release.id]


@router.get("/confirm/{action}", dependencies=app_role(Role.WRITE))
async def confirm(
    request: Request, org: str, app: str, release_id: int, action: str, percentage: str = ""
) -> Response:
    verb = _action(action)
    try:
        async with on_app(request, org, app) as (session, _, found):
            release = await views.show_release(session, found.app.id, release_id)
            lifecycle.next_status(release.status, verb)
            new_bp = None
            if verb == "ramp":
                percentage = percentage.strip() or f"{release.percentage:g}"
                new_bp = percentage_to_bp(percentage)
            state = await load_live_state(session, found.app.id)
            pending = await _pending(session, found, release) if verb == "rollback" else []
            context = {
                "org": found.org,
                "app": found.app,
                "role": found.role,
                "tab": "releases",
                "release": release,
                "action": verb,
                "percentage": percentage,
                "preview": preview(state, release, verb, new_bp, pending),
                "changes": await confirm_changes(session, found.app.id, release.id, verb),
                "destructive": verb in DESTRUCTIVE,
            }
            template = "releases/_confirm.html" if is_htmx(request) else "releases/confirm.html"
            return render(request, template, context)
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        if is_htmx(request):  # shown in the confirmation panel that asked
            context = {"message": sentence(exc.message), "code": exc.code}
            return render(request, "_alert.html", context, status=exc.status)
        errors = form_errors(exc, ACTION_FIELDS)
        return await release_page(request, org, app, release_id, errors, status=exc.status)


def _flash(verb: Action, release_id: int, new_id: int, percentage: str) -> str:
    if verb == "ramp":
        return f"Release {release_id} is rolling out to {percent(percentage_to_bp(percentage))}."
    if verb == "rollback":
        return f"Rolled back: release {new_id} serves release {release_id}'s content."
    done = {
        "pause": "paused",
        "resume": "resumed",
        "conclude": "concluded",
        "discard": "discarded",
        "retire": "retired",
    }
    return f"Release {release_id} {done[verb]}."


@router.post("/{action}", dependencies=app_role(Role.WRITE))
async def act(request: Request, org: str, app: str, release_id: int, action: str) -> Response:
    verb = _action(action)

    async def act(form: dict[str, str]) -> Response:
        percentage = form.get("percentage", "").strip()
        async with on_app(request, org, app) as (session, viewer, found):
            new_id = await _apply(session, viewer.principal, found, release_id, verb, form)
            if verb == "ramp" and not percentage:
                release = await views.show_release(session, found.app.id, release_id)
                percentage = f"{release.percentage:g}"
        flash = _flash(verb, release_id, new_id, percentage)
        return redirect(request, f"/orgs/{org}/apps/{app}/releases/{new_id}", flash=flash)

    async def again(_: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await release_page(request, org, app, release_id, errors, status)

    return await form_action(request, act, again, fields=ACTION_FIELDS, status=None)


async def _apply(
    session: AsyncSession,
    principal: Principal,
    found: AppAccess,
    release_id: int,
    verb: Action,
    form: dict[str, str],
) -> int:
    """Run the action; returns the id of the release to show next (a rollback's new one)."""
    if verb == "rollback":
        notes = form.get("notes", "").strip() or None
        created = await releases.rollback(session, principal, found, release_id, notes)
        return created.id
    percentage = None
    if verb == "ramp" and form.get("percentage", "").strip():
        text = form["percentage"].strip()
        percentage_to_bp(text)  # BadRequest(invalid_percentage) for anything unreadable
        percentage = Decimal(text)
    await releases.transition(session, principal, found, release_id, verb, percentage)
    return release_id
