"""Remote config: the property schema (edited as Airborne's JSON body) and cohort dimensions."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.access.roles import Role
from tradewind.dashboard.forms import (
    FORM,
    form_action,
    parse,
    parse_json_object,
)
from tradewind.dashboard.render import render
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.session import on_app, redirect
from tradewind.remoteconfig import cohort_service, service
from tradewind.remoteconfig.properties import PropertySpec
from tradewind.remoteconfig.schemas import CohortDimensionIn, PropertySchemaIn

router = APIRouter(prefix="/orgs/{org}/apps/{app}/config")
SCHEMA_FIELDS = {
    "invalid_property_schema": "schema",
    "property_schema_conflict": "schema",
    "validation_failed": "schema",
}
COHORT_FIELDS = {"invalid_cohorts": "cohorts", "dimension_exists": "name"}


def schema_json(rows: list[Any]) -> str:
    body = {
        row.name: {
            "description": row.description,
            "default_value": row.default_value.get("value"),
            "schema": row.schema,
        }
        for row in rows
    }
    return json.dumps({"properties": body}, indent=2, ensure_ascii=False)


async def _page(
    request: Request,
    org: str,
    app: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        rows = await service.list_properties(session, found.app.id)
        cohorts = await cohort_service.list_cohort_dimensions(session, found.app.id)
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "tab": "config",
            "properties": rows,
            "cohort_dimensions": cohorts,
            "values": values or {"schema": schema_json(rows)},
            "errors": errors or {},
            "dumps": lambda value: json.dumps(value, ensure_ascii=False),
        }
        return render(request, "config/index.html", context, status=status)


@router.get("", dependencies=app_role(Role.READ))
async def show_config(request: Request, org: str, app: str) -> Response:
    return await _page(request, org, app)


@router.post("/schema", dependencies=app_role(Role.ADMIN))
async def save_schema(request: Request, org: str, app: str) -> Response:
    async def act(form: dict[str, str]) -> Response:
        async with on_app(request, org, app) as (session, viewer, found):
            body = parse(PropertySchemaIn, parse_json_object(form.get("schema", ""), "schema"))
            specs = {
                name: PropertySpec(name, item.description, item.default_value, item.schema_)
                for name, item in body.properties.items()
            }
            await service.replace_schema(session, viewer.principal, found, specs)
        return redirect(request, f"/orgs/{org}/apps/{app}/config", flash="Property schema saved.")

    async def again(form: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _page(request, org, app, form, _on_field(errors, "schema"), status)

    return await form_action(request, act, again, fields=SCHEMA_FIELDS)


@router.post("/cohorts", dependencies=app_role(Role.ADMIN))
async def save_cohorts(request: Request, org: str, app: str) -> Response:
    async def act(form: dict[str, str]) -> Response:
        name = form.get("name", "").strip()
        async with on_app(request, org, app) as (session, viewer, found):
            raw = parse_json_object('{"c": ' + (form.get("cohorts") or "null") + "}", "cohorts")
            body = parse(
                CohortDimensionIn,
                {"base_dimension": form.get("base_dimension", "").strip(), "cohorts": raw["c"]},
            )
            await cohort_service.put_cohort_dimension(
                session,
                viewer.principal,
                found,
                name,
                body.base_dimension,
                [c.model_dump(exclude_none=True) for c in body.cohorts],
                None,
                "",
            )
        flash = f"Cohort dimension {name} saved."
        return redirect(request, f"/orgs/{org}/apps/{app}/config", flash=flash)

    async def again(form: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _page(request, org, app, form, _on_field(errors, "cohorts"), status)

    return await form_action(request, act, again, fields=COHORT_FIELDS)


def _on_field(errors: dict[str, str], field: str) -> dict[str, str]:
    """Nested validation locations (e.g. properties.x.schema) are shown on the one textarea."""
    shown: dict[str, str] = {}
    for key, message in errors.items():
        target = key if key in (FORM, "name", "base_dimension", field) else field
        shown.setdefault(
            target, message if target != field or key == field else f"{key}: {message}"
        )
    return shown
