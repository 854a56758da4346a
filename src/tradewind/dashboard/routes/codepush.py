"""CodePush page of an application: deployments with keys, history with labels and report
counts, add a deployment, rotate a key, promote, roll back."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from tradewind.access.roles import Role
from tradewind.codepush import deployments, publish, views
from tradewind.context import AppContext
from tradewind.dashboard.forms import read_form
from tradewind.dashboard.render import render
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.session import on_app, redirect
from tradewind.errors import TradewindError
from tradewind.keys.keyring import Keyring

router = APIRouter(prefix="/orgs/{org}/apps/{app}/codepush")


def _keyring(request: Request) -> Keyring:
    ctx: AppContext = request.app.state.ctx
    return ctx.keyring


async def _deployments(
    session: AsyncSession, keyring: Keyring, app_id: int
) -> list[dict[str, Any]]:
    found = []
    for view in await deployments.list_deployments(session, keyring, app_id):
        d = view.deployment
        history = await views.history(session, d.id)
        metrics = (await views.metrics(session, app_id, d.id)).metrics
        found.append(
            {
                "name": d.name,
                "key": view.key,
                "channel": d.channel,
                "history": list(reversed(history)),
                "metrics": metrics,
            }
        )
    return found


@router.get("", dependencies=app_role(Role.READ))
async def codepush_page(request: Request, org: str, app: str) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "tab": "codepush",
            "deployments": await _deployments(session, _keyring(request), found.app.id),
            "server": str(request.base_url).rstrip("/").removesuffix("/dashboard"),
        }
        return render(request, "codepush/page.html", context)


def _back(request: Request, org: str, app: str, flash: str) -> Response:
    return redirect(request, f"/orgs/{org}/apps/{app}/codepush", flash=flash)


async def _act(request: Request, org: str, app: str, action: Any) -> Response:
    """Run `action(session, viewer, access, form)`; its result is the flash message. Errors
    a user can fix come back as the flash message too."""
    form = await read_form(request)
    try:
        async with on_app(request, org, app) as (session, viewer, found):
            message: str = await action(session, viewer.principal, found, form)
    except TradewindError as exc:
        if exc.status >= 500 or exc.status in (401, 403, 404):
            raise
        return _back(request, org, app, f"Not done: {exc.message}")
    return _back(request, org, app, message)


@router.post("/deployments", dependencies=app_role(Role.ADMIN))
async def add_deployment(request: Request, org: str, app: str) -> Response:
    keyring = _keyring(request)

    async def add(session: AsyncSession, principal: Any, found: Any, form: Any) -> str:
        view = await deployments.add(session, keyring, principal, found, form.get("name", ""))
        return f"Deployment {view.deployment.name} added."

    return await _act(request, org, app, add)


@router.post("/deployments/{name}/key", dependencies=app_role(Role.ADMIN))
async def rotate_key(request: Request, org: str, app: str, name: str) -> Response:
    keyring = _keyring(request)

    async def rotate(session: AsyncSession, principal: Any, found: Any, form: Any) -> str:
        await deployments.rotate_key(session, keyring, principal, found, name)
        return f"New key for {name}; the old one no longer works."

    return await _act(request, org, app, rotate)


@router.post("/promote", dependencies=app_role(Role.WRITE))
async def promote(request: Request, org: str, app: str) -> Response:
    async def run(session: AsyncSession, principal: Any, found: Any, form: Any) -> str:
        source, target = form.get("source", ""), form.get("target", "")
        cp = await publish.promote(session, principal, found, source, target, publish.Options())
        return f"Promoted {source} to {target} as v{cp.label_number}."

    return await _act(request, org, app, run)


@router.post("/deployments/{name}/rollback", dependencies=app_role(Role.WRITE))
async def rollback(request: Request, org: str, app: str, name: str) -> Response:
    async def run(session: AsyncSession, principal: Any, found: Any, form: Any) -> str:
        label = form.get("label") or None
        cp = await publish.rollback(session, principal, found, name, label)
        return f"{name} rolled back: v{cp.label_number} serves the earlier contents."

    return await _act(request, org, app, run)
