"""The release page's adoption and health panel on its own, for its periodic refresh."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.access import service as access
from tradewind.access.roles import Role
from tradewind.dashboard.health import release_health
from tradewind.dashboard.render import render, url
from tradewind.dashboard.session import signed_in

router = APIRouter(prefix="/orgs/{org}/apps/{app}/releases")


@router.get("/{release_id}/health")
async def health_panel(request: Request, org: str, app: str, release_id: int) -> Response:
    async with signed_in(request) as (session, viewer):
        found = await access.require_app(session, viewer.principal, org, app, Role.READ)
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "app_url": url(f"/orgs/{found.org.name}/apps/{found.app.name}"),
            "health": await release_health(session, found.app.id, release_id),
        }
        return render(request, "partials/release_health.html", context)
