"""The device event ingest panel of the application settings: rotate the key, allow keyless."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.access.roles import Role
from tradewind.dashboard.forms import read_form
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.session import on_app, redirect
from tradewind.orgs import service as orgs

router = APIRouter(prefix="/orgs/{org}/apps/{app}/ingest")


@router.post("/rotate", dependencies=app_role(Role.ADMIN))
async def rotate_key(request: Request, org: str, app: str) -> Response:
    async with on_app(request, org, app) as (session, viewer, found):
        await orgs.rotate_ingest_key(session, viewer.principal, found)
    flash = "New ingest key created; devices must send it from now on."
    return redirect(request, f"/orgs/{org}/apps/{app}/settings", flash=flash)


@router.post("/keyless", dependencies=app_role(Role.ADMIN))
async def set_keyless(request: Request, org: str, app: str) -> Response:
    form = await read_form(request)
    keyless = form.get("keyless") == "on"
    async with on_app(request, org, app) as (session, viewer, found):
        if found.app.ingest_keyless != keyless:
            await orgs.update_app(session, viewer.principal, found, {"ingest_keyless": keyless})
    flash = "Events are accepted without the key." if keyless else "Events need the key."
    return redirect(request, f"/orgs/{org}/apps/{app}/settings", flash=flash)
