"""Dimensions: list, create, reorder (priority) and delete."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.access.roles import Role
from tradewind.dashboard.forms import form_action, form_errors, parse, read_form, recoverable
from tradewind.dashboard.render import is_htmx, render
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.session import on_app, redirect
from tradewind.dimensions import service as dimensions
from tradewind.dimensions.schemas import DimensionCreate
from tradewind.errors import BadRequest, TradewindError

router = APIRouter(prefix="/orgs/{org}/apps/{app}/dimensions")
FIELDS = {"dimension_exists": "name", "too_many_dimensions": "name", "invalid_position": "position"}


async def _page(
    request: Request,
    org: str,
    app: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    template: str = "dimensions/list.html",
) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        dims = await dimensions.list_dimensions(session, found.app.id)
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "tab": "dimensions",
            "dimensions": sorted(dims, key=lambda d: d.position, reverse=True),
            "values": values or {"type": "string"},
            "errors": errors or {},
        }
        return render(request, template, context, status=status)


@router.get("", dependencies=app_role(Role.READ))
async def list_dimensions(request: Request, org: str, app: str) -> Response:
    return await _page(request, org, app)


@router.post("", dependencies=app_role(Role.ADMIN))
async def create_dimension(request: Request, org: str, app: str) -> Response:
    async def act(form: dict[str, str]) -> Response:
        async with on_app(request, org, app) as (session, viewer, found):
            body = parse(
                DimensionCreate,
                {
                    "name": form.get("name", "").strip(),
                    "type": form.get("type", "string"),
                    "description": form.get("description", ""),
                },
            )
            await dimensions.create_dimension(
                session, viewer.principal, found, body.name, body.type, None, body.description
            )
        flash = f"Dimension {body.name} created."
        return redirect(request, f"/orgs/{org}/apps/{app}/dimensions", flash=flash)

    async def again(form: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _page(request, org, app, form, errors, status)

    return await form_action(request, act, again, fields=FIELDS)


@router.post("/{name}/move", dependencies=app_role(Role.ADMIN))
async def move_dimension(request: Request, org: str, app: str, name: str) -> Response:
    form = await read_form(request)
    direction = form.get("direction")
    try:
        async with on_app(request, org, app) as (session, viewer, found):
            if direction not in ("up", "down"):
                raise BadRequest("direction must be up or down", code="invalid_direction")
            current = await dimensions.get_dimension(session, found.app.id, name)
            position = current.position + (1 if direction == "up" else -1)
            await dimensions.update_dimension(
                session, viewer.principal, found, name, position, None
            )
    except TradewindError as exc:
        if not recoverable(exc) or is_htmx(request):
            raise  # HTMX: the error page handler shows it in the alert area
        return await _page(request, org, app, None, form_errors(exc), status=422)
    if is_htmx(request):
        return await _page(request, org, app, template="dimensions/_table.html")
    return redirect(request, f"/orgs/{org}/apps/{app}/dimensions")


@router.post("/{name}/delete", dependencies=app_role(Role.ADMIN))
async def delete_dimension(request: Request, org: str, app: str, name: str) -> Response:
    async def act(_: dict[str, str]) -> Response:
        async with on_app(request, org, app) as (session, viewer, found):
            await dimensions.delete_dimension(session, viewer.principal, found, name)
        flash = f"Dimension {name} deleted."
        return redirect(request, f"/orgs/{org}/apps/{app}/dimensions", flash=flash)

    async def again(_: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _page(request, org, app, None, errors, status)

    return await form_action(request, act, again)
