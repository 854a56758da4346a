"""Routes for rollout guards: an application's default guard and each release's own."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tradewind.guards import service
from tradewind.guards.schemas import AppGuardOut, GuardSettings, GuardTripOut, ReleaseGuardOut
from tradewind.models.guards import GuardLimits, GuardTrip
from tradewind.web.deps import AppReader, AppWriter, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses
from tradewind.web.params import RowId

router = APIRouter(prefix="/orgs/{org}/apps/{app}", tags=["guards"])
RELEASE_GUARD = "/releases/{release_id}/guard"


def settings_out(row: GuardLimits | None) -> GuardSettings | None:
    if row is None:
        return None
    return GuardSettings.model_validate(row, from_attributes=True)


def trip_out(trip: GuardTrip | None) -> GuardTripOut | None:
    if trip is None:
        return None
    return GuardTripOut.model_validate(
        {"tripped_at": trip.tripped_at, "reason": trip.reason, "figures": trip.figures}
    )


def release_guard_out(view: service.GuardView) -> ReleaseGuardOut:
    return ReleaseGuardOut.model_validate(
        {
            "release_id": view.release.id,
            "source": view.source,
            "guard": settings_out(view.limits),
            "last_trip": trip_out(view.last_trip),
            "next_ramp_step": view.next_ramp_step,
        }
    )


@router.get("/guard", operation_id="get_app_guard", response_model=AppGuardOut)
async def get_app_guard(access: AppReader, session: DbSession) -> AppGuardOut:
    """The application's default guard, used by releases without a guard of their own."""
    return AppGuardOut(guard=settings_out(await service.app_guard(session, access.app.id)))


@router.put(
    "/guard",
    operation_id="set_app_guard",
    response_model=AppGuardOut,
    responses=error_responses(422),
)
async def set_app_guard(
    body: GuardSettings, access: AppWriter, session: DbSession, principal: CurrentPrincipal
) -> AppGuardOut:
    guard = await service.set_app_guard(session, principal, access, body)
    return AppGuardOut(guard=settings_out(guard))


@router.delete("/guard", operation_id="clear_app_guard", status_code=204)
async def clear_app_guard(
    access: AppWriter, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await service.clear_app_guard(session, principal, access)
    return Response(status_code=204)


@router.get(RELEASE_GUARD, operation_id="get_release_guard", response_model=ReleaseGuardOut)
async def get_release_guard(
    release_id: RowId, access: AppReader, session: DbSession
) -> ReleaseGuardOut:
    """The guard in force on a release (its own, else the application default) and its
    most recent automatic pause."""
    view = await service.release_guard_view(session, access.app.id, release_id)
    return release_guard_out(view)


@router.put(
    RELEASE_GUARD,
    operation_id="set_release_guard",
    response_model=ReleaseGuardOut,
    responses=error_responses(409, 422),
)
async def set_release_guard(
    release_id: RowId,
    body: GuardSettings,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
) -> ReleaseGuardOut:
    await service.set_release_guard(session, principal, access, release_id, body)
    view = await service.release_guard_view(session, access.app.id, release_id)
    return release_guard_out(view)


@router.delete(RELEASE_GUARD, operation_id="clear_release_guard", status_code=204)
async def clear_release_guard(
    release_id: RowId, access: AppWriter, session: DbSession, principal: CurrentPrincipal
) -> Response:
    """Remove the release's own guard; the application default (if any) applies again."""
    await service.clear_release_guard(session, principal, access, release_id)
    return Response(status_code=204)
