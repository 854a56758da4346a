"""The rollout guard panel of the release page: set or clear the release's own guard."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.access.roles import Role
from tradewind.dashboard.forms import FORM, form_action, parse
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.routes.releases import release_page
from tradewind.dashboard.session import on_app, redirect
from tradewind.errors import ValidationFailed
from tradewind.guards import service as guards
from tradewind.guards.schemas import GuardSettings

router = APIRouter(prefix="/orgs/{org}/apps/{app}/releases/{release_id}/guard")
PREFIX = "guard_"
# Where a service error without a field of its own is shown.
FIELD_OF_CODE = {"invalid_ramp": "guard_ramp_steps", "release_finished": "guard__form"}


def _percent(text: str) -> float | str | None:
    """A percentage typed in the form as a rate (0–1); the text itself when unreadable."""
    text = text.strip()
    if not text:
        return None
    try:
        return float(text) / 100
    except ValueError:
        return text


def _settings(form: dict[str, str]) -> GuardSettings:
    steps = form.get("guard_ramp_steps", "").replace(" ", "")
    hours = form.get("guard_ramp_hours", "").strip()
    data: dict[str, Any] = {
        "min_sample": form.get("guard_min_sample", "").strip() or None,
        "max_failure_rate": _percent(form.get("guard_max_failure_rate", "")),
        "max_excess": _percent(form.get("guard_max_excess", "")),
        "ramp_steps": steps.split(",") if steps else None,
        "ramp_interval_seconds": _hours(hours) if hours else None,
    }
    if data["min_sample"] is None:
        del data["min_sample"]
    if data["max_failure_rate"] is None:
        del data["max_failure_rate"]
    try:
        return parse(GuardSettings, data)
    except ValidationFailed as exc:
        fields = exc.details.get("fields", {})
        renamed = {_field(name): message for name, message in fields.items()}
        raise ValidationFailed(exc.message, details={"fields": renamed}) from exc


def _hours(text: str) -> int | str:
    try:
        return round(float(text) * 3600)
    except ValueError:
        return text


def _field(name: str) -> str:
    name = name.split(".", 1)[0]
    if name == "ramp_interval_seconds":
        return "guard_ramp_hours"
    return PREFIX + name if name != FORM else "guard__form"


@router.post("/set", dependencies=app_role(Role.WRITE))
async def set_guard(request: Request, org: str, app: str, release_id: int) -> Response:
    async def act(form: dict[str, str]) -> Response:
        async with on_app(request, org, app) as (session, viewer, found):
            body = _settings(form)
            await guards.set_release_guard(session, viewer.principal, found, release_id, body)
        flash = f"Release {release_id} has its own rollout guard now."
        return redirect(request, f"/orgs/{org}/apps/{app}/releases/{release_id}", flash=flash)

    async def again(form: dict[str, str], errors: dict[str, str], status: int) -> Response:
        if FORM in errors:
            errors["guard__form"] = errors.pop(FORM)
        request.state.guard_form = form  # shown again, with the errors, in the guard panel
        return await release_page(request, org, app, release_id, errors, status)

    return await form_action(request, act, again, fields=FIELD_OF_CODE, status=None)


@router.post("/clear", dependencies=app_role(Role.WRITE))
async def clear_guard(request: Request, org: str, app: str, release_id: int) -> Response:
    async with on_app(request, org, app) as (session, viewer, found):
        await guards.clear_release_guard(session, viewer.principal, found, release_id)
    flash = f"Release {release_id}'s own guard was removed."
    return redirect(request, f"/orgs/{org}/apps/{app}/releases/{release_id}", flash=flash)
