"""The release page's adoption and health panel on its own, for its periodic refresh."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.access.roles import Role
from tradewind.dashboard.health import release_health
from tradewind.dashboard.render import render, url
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.session import on_app

router = APIRouter(prefix="/orgs/{org}/apps/{app}/releases")


@router.get("/{release_id}/health", dependencies=app_role(Role.READ))
async def health_panel(request: Request, org: str, app: str, release_id: int) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "app_url": url(f"/orgs/{found.org.name}/apps/{found.app.name}"),
            "health": await release_health(session, found.app.id, release_id),
        }
        return render(request, "partials/release_health.html", context)
