"""Releases: the list with status filters, the creation form, and the release page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from tradewind.access.roles import Role
from tradewind.access.service import AppAccess
from tradewind.audit import service as audit
from tradewind.audit.repository import EventFilter
from tradewind.dashboard import semver_hint
from tradewind.dashboard.audiences import shares_for
from tradewind.dashboard.forms import parse, read_form, recoverable
from tradewind.dashboard.guard_panel import guard_panel
from tradewind.dashboard.health import release_health
from tradewind.dashboard.release_changes import baseline_values, previous_release_id
from tradewind.dashboard.release_form import (
    SEMVER_HINT,
    release_errors,
    release_payload,
    target_rows,
)
from tradewind.dashboard.render import is_htmx, render
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.session import on_app, redirect
from tradewind.dimensions import service as dimensions
from tradewind.errors import TradewindError
from tradewind.packages import service as packages
from tradewind.releases import service as releases
from tradewind.releases import views
from tradewind.releases.content import conditions_of
from tradewind.releases.lifecycle import ALL_STATUSES, LIVE, TRANSITIONS, UNFINISHED
from tradewind.releases.live import load_live_state
from tradewind.releases.schemas import ReleaseCreate
from tradewind.remoteconfig import saved_views
from tradewind.web.params import BeforeId

router = APIRouter(prefix="/orgs/{org}/apps/{app}/releases")
PAGE = 50
FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "": ("all releases", ()),
    "live": ("live (in progress, paused, concluded)", LIVE),
    "unfinished": ("unfinished (created, in progress, paused)", tuple(sorted(UNFINISHED))),
    **{status: (status.replace("_", " "), (status,)) for status in ALL_STATUSES},
}
ACTION_ORDER = ("ramp", "resume", "pause", "conclude", "discard", "retire", "rollback")
NOT_DISCARDED = tuple(s for s in ALL_STATUSES if s != "discarded")
DEFAULTS = {
    "percentage": "10",
    "boot_timeout": "1000",
    "release_config_timeout": "1000",
    "properties": "{}",
    "channel": "production",
}


def _base(found: AppAccess, tab: str = "releases") -> dict[str, Any]:
    return {"org": found.org, "app": found.app, "role": found.role, "tab": tab}


@router.get("", dependencies=app_role(Role.READ))
async def list_releases(
    request: Request, org: str, app: str, status: str = "", before: BeforeId = None, view: str = ""
) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        status = status if status in FILTERS else ""
        saved = {v.name: v.filters for v in await saved_views.list_views(session, found.app.id)}
        view = view if view in saved else ""
        rows = await views.list_releases(
            session, found.app.id, FILTERS[status][1], None, PAGE, before, view or None
        )
        context = _base(found) | {
            "releases": rows,
            "filters": [(key, text) for key, (text, _) in FILTERS.items()],
            "status": status,
            "saved_views": saved,
            "view": view,
            "next_before": rows[-1].id if len(rows) == PAGE else None,
        }
        template = "releases/_table.html" if is_htmx(request) else "releases/list.html"
        return render(request, template, context)


async def _is_first(session: AsyncSession, app_id: int, channel: str) -> bool:
    existing = await views.list_releases(session, app_id, NOT_DISCARDED, channel, 1, None)
    return not existing


async def _new_page(
    request: Request,
    org: str,
    app: str,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
    prefill_from: int | None = None,
) -> Response:
    """`prefill_from`: fill the config from a baseline (0: everyone's; N: release N's)."""
    async with on_app(request, org, app) as (session, _, found):
        baseline_id = None
        if prefill_from is not None:
            baseline_id = await baseline_values(session, found.app.id, values, prefill_from or None)
        dims = await dimensions.list_dimensions(session, found.app.id)
        available = await packages.list_packages(session, found, 200, 0)
        channel = values.get("channel", "").strip() or "production"
        context = _base(found) | {
            "packages": available,
            "rows": target_rows(dims, values),
            "semver_hint": SEMVER_HINT,
            "first_release": await _is_first(session, found.app.id, channel),
            "values": values,
            "baseline_id": baseline_id,
            "errors": errors or {},
        }
        return render(request, "releases/new.html", context, status=status)


@router.get("/new", dependencies=app_role(Role.WRITE))
async def new_release(
    request: Request, org: str, app: str, package: str = "", from_release: int | None = None
) -> Response:
    """The form starts from a baseline's config: that of release `from_release`'s target
    (its target and channel too), else the current baseline for everyone."""
    values = dict(DEFAULTS)
    if package:
        values["package_version"] = package
    return await _new_page(request, org, app, values, prefill_from=from_release or 0)


@router.post("", dependencies=app_role(Role.WRITE))
async def create_release(request: Request, org: str, app: str) -> Response:
    form = await read_form(request)
    try:
        async with on_app(request, org, app) as (session, viewer, found):
            rows = target_rows(await dimensions.list_dimensions(session, found.app.id), form)
            body = parse(ReleaseCreate, release_payload(form, rows))
            release = await releases.create_release(session, viewer.principal, found, body)
            release_id, live = release.id, release.status == "concluded"
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await _new_page(request, org, app, form, release_errors(exc), status=422)
    flash = (
        f"Release {release_id} is live for everyone it targets."
        if live
        else f"Release {release_id} created. Ramp it up to start serving it."
    )
    return redirect(request, f"/orgs/{org}/apps/{app}/releases/{release_id}", flash=flash)


@router.get("/range-hint", dependencies=app_role(Role.READ))
async def range_hint(request: Request, org: str, app: str, dimension: str = "") -> Response:
    """The live hint under a semver value of the target editor (HTMX)."""
    async with on_app(request, org, app):
        pass
    text = request.query_params.get(f"value.{dimension}", "")
    valid, message = semver_hint.range_hint(text)
    context = {"name": dimension, "valid": valid, "message": message or SEMVER_HINT}
    return render(request, "releases/_range_hint.html", context)


@router.get("/timeline", dependencies=app_role(Role.READ))
async def timeline(request: Request, org: str, app: str, before: BeforeId = None) -> Response:
    """Every release event of the application, newest first, and who made it."""
    async with on_app(request, org, app) as (session, _, found):
        where = EventFilter(
            org_id=found.org.id, app_id=found.app.id, before=before, object_type="release"
        )
        entries, next_before = await audit.list_events(session, where, PAGE)
        context = _base(found) | {"entries": entries, "next_before": next_before}
        return render(request, "releases/timeline.html", context)


def available_actions(status: str) -> list[str]:
    """Lifecycle actions allowed from `status`, in the order the page shows them."""
    allowed = {action for action, moves in TRANSITIONS.items() if status in moves}
    return [action for action in ACTION_ORDER if action in allowed]


async def release_page(
    request: Request,
    org: str,
    app: str,
    release_id: int,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        detail = await views.show_release(session, found.app.id, release_id)
        state = await load_live_state(session, found.app.id)
        target = conditions_of([c.model_dump() for c in detail.target])
        context = _base(found) | {
            "release": detail,
            "actions": available_actions(detail.status),
            "others_get": shares_for(state, detail.channel, target, detail.id),
            "health": await release_health(session, found.app.id, detail.id),
            "guard": await guard_panel(request, session, found.app.id, detail.id),
            "previous_id": await previous_release_id(session, found.app.id, detail.id),
            "errors": errors or {},
        }
        return render(request, "releases/detail.html", context, status=status)


@router.get("/{release_id}", dependencies=app_role(Role.READ))
async def show_release(request: Request, org: str, app: str, release_id: int) -> Response:
    return await release_page(request, org, app, release_id)
