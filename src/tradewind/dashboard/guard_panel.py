"""The rollout guard panel of the release page (`partials/release_guard.html`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from tradewind.guards import service as guards
from tradewind.guards.schemas import GuardSettings
from tradewind.models.guards import GuardLimits


@dataclass(frozen=True, slots=True)
class GuardPanel:
    view: guards.GuardView
    settings: GuardSettings | None  # the guard in force
    values: dict[str, str]  # the form's fields


async def guard_panel(
    request: Request, session: AsyncSession, app_id: int, release_id: int
) -> GuardPanel:
    view = await guards.release_guard_view(session, app_id, release_id)
    settings = None
    if view.limits is not None:
        settings = GuardSettings.model_validate(view.limits, from_attributes=True)
    submitted: dict[str, str] | None = getattr(request.state, "guard_form", None)
    return GuardPanel(view, settings, submitted or form_values(view.limits))


def form_values(limits: GuardLimits | None) -> dict[str, str]:
    """The form's fields for the guard in force (or the defaults), in people's units."""
    settings = (
        GuardSettings()
        if limits is None
        else GuardSettings.model_validate(limits, from_attributes=True)
    )
    interval = settings.ramp_interval_seconds
    return {
        "guard_min_sample": str(settings.min_sample),
        "guard_max_failure_rate": f"{settings.max_failure_rate * 100:g}",
        "guard_max_excess": "" if settings.max_excess is None else f"{settings.max_excess * 100:g}",
        "guard_ramp_steps": ",".join(str(s) for s in settings.ramp_steps or ()),
        "guard_ramp_hours": "" if interval is None else f"{interval / 3600:g}",
    }
