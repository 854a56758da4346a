"""An application: its overview (who gets what now), settings, and audit trail."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.access.roles import Role
from tradewind.audit import service as audit
from tradewind.audit.repository import EventFilter
from tradewind.dashboard.audiences import audiences, channels, offer
from tradewind.dashboard.forms import form_action, parse
from tradewind.dashboard.health import app_adoption
from tradewind.dashboard.render import render
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.session import on_app, redirect
from tradewind.dimensions import service as dimensions
from tradewind.errors import ValidationFailed
from tradewind.orgs import service as orgs
from tradewind.orgs.schemas import AppUpdate
from tradewind.packages import service as packages
from tradewind.releases.live import load_live_state

router = APIRouter(prefix="/orgs/{org}/apps/{app}")
RECENT_EVENTS = 10
AUDIT_PAGE = 50


@router.get("", dependencies=app_role(Role.READ))
async def overview(request: Request, org: str, app: str) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        state = await load_live_state(session, found.app.id)
        live_channels = channels(state)
        rollouts = [
            offer(live)
            for live in state.releases.values()
            if live.release.status in ("in_progress", "paused")
        ]
        events, _ = await audit.list_events(
            session, EventFilter(found.org.id, found.app.id), RECENT_EVENTS
        )
        package_count = len(await packages.list_packages(session, found, 1, 0))
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "tab": "overview",
            "audiences": {channel: audiences(state, channel) for channel in live_channels},
            "rollouts": sorted(rollouts, key=lambda o: o.release_id, reverse=True),
            "events": events,
            "package_count": package_count,
            "adoption": await app_adoption(session, found.app.id),
            "base_url": request.app.state.ctx.settings.base_url(),
        }
        return render(request, "apps/overview.html", context)


async def _settings_page(
    request: Request,
    org: str,
    app: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        dims = await dimensions.list_dimensions(session, found.app.id)
        current = {
            "display_name": found.app.display_name,
            "identifier_dimension": found.app.identifier_dimension or "",
            "channel_dimension": found.app.channel_dimension or "",
        }
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "tab": "settings",
            "dimensions": dims,
            "values": values if values is not None else current,
            "errors": errors or {},
        }
        return render(request, "apps/settings.html", context, status=status)


@router.get("/settings", dependencies=app_role(Role.READ))
async def app_settings(request: Request, org: str, app: str) -> Response:
    return await _settings_page(request, org, app)


@router.post("/settings", dependencies=app_role(Role.ADMIN))
async def update_app(request: Request, org: str, app: str) -> Response:
    async def act(form: dict[str, str]) -> Response:
        async with on_app(request, org, app) as (session, viewer, found):
            body = parse(
                AppUpdate,
                {
                    "display_name": form.get("display_name", ""),
                    "identifier_dimension": form.get("identifier_dimension", "").strip() or None,
                    "channel_dimension": form.get("channel_dimension", "").strip() or None,
                },
            )
            changes = {
                name: value
                for name, value in body.model_dump().items()
                if value != getattr(found.app, name)
            }
            if changes:
                await orgs.update_app(session, viewer.principal, found, changes)
        return redirect(request, f"/orgs/{org}/apps/{app}/settings", flash="Settings saved.")

    async def again(form: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _settings_page(request, org, app, form, errors, status)

    return await form_action(request, act, again)


@router.post("/delete", dependencies=app_role(Role.ADMIN))
async def delete_app(request: Request, org: str, app: str) -> Response:
    async def act(form: dict[str, str]) -> Response:
        async with on_app(request, org, app) as (session, viewer, found):
            if form.get("confirm_name", "").strip() != found.app.name:
                raise ValidationFailed(
                    "type the application's name to confirm",
                    details={"fields": {"confirm_name": f"Type “{app}” to confirm."}},
                )
            await orgs.delete_app(session, viewer.principal, found)
        return redirect(request, f"/orgs/{org}", flash=f"Application {app} deleted.")

    async def again(_: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _settings_page(request, org, app, None, errors, status)

    return await form_action(request, act, again)


@router.get("/audit", dependencies=app_role(Role.READ))
async def audit_trail(request: Request, org: str, app: str, before: int | None = None) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        where = EventFilter(found.org.id, found.app.id, before=before)
        events, next_before = await audit.list_events(session, where, AUDIT_PAGE)
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "tab": "audit",
            "events": events,
            "next_before": next_before,
        }
        return render(request, "apps/audit.html", context)
