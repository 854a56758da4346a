"""Routes for releases (read: list/show/explain; write: create/edit/lifecycle/rollback)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from tradewind.audit import service as audit
from tradewind.audit.repository import EventFilter
from tradewind.releases import changes, service, views
from tradewind.releases.lifecycle import Action
from tradewind.releases.schemas import (
    ExplainIn,
    ExplainOut,
    RampIn,
    ReleaseChangesOut,
    ReleaseCreate,
    ReleaseDetail,
    ReleaseOut,
    ReleaseUpdate,
    RollbackIn,
    Status,
    TimelineEntryOut,
    TimelineOut,
)
from tradewind.web.deps import AppReader, AppWriter, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses
from tradewind.web.params import BeforeId, RowId

router = APIRouter(prefix="/orgs/{org}/apps/{app}/releases", tags=["releases"])
CONFLICTS = error_responses(409)


@router.get("", operation_id="list_releases", response_model=list[ReleaseOut])
async def list_releases(
    access: AppReader,
    session: DbSession,
    status: Annotated[list[Status] | None, Query(description="repeat to allow several")] = None,
    channel: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: BeforeId = None,
    view: Annotated[str | None, Query(description="a saved view's name: its releases only")] = None,
) -> list[ReleaseOut]:
    """Newest first."""
    return await views.list_releases(
        session, access.app.id, status or (), channel, limit, before, view
    )


@router.post(
    "",
    operation_id="create_release",
    response_model=ReleaseDetail,
    status_code=201,
    responses=CONFLICTS,
)
async def create_release(
    body: ReleaseCreate, access: AppWriter, session: DbSession, principal: CurrentPrincipal
) -> ReleaseDetail:
    """Created releases serve nobody until ramped, except the first release of a channel,
    which is concluded at once for everyone its target matches."""
    release = await service.create_release(session, principal, access, body)
    return await views.show_release(session, access.app.id, release.id)


@router.post("/explain", operation_id="explain_release", response_model=ExplainOut)
async def explain(body: ExplainIn, access: AppReader, session: DbSession) -> ExplainOut:
    """Which live release a device with this context and identifier gets, and why."""
    return await views.explain(session, access.app, body)


@router.get("/{release_id:int}", operation_id="get_release", response_model=ReleaseDetail)
async def get_release(release_id: RowId, access: AppReader, session: DbSession) -> ReleaseDetail:
    return await views.show_release(session, access.app.id, release_id)


@router.patch(
    "/{release_id:int}",
    operation_id="update_release",
    response_model=ReleaseDetail,
    responses=CONFLICTS,
)
async def update_release(
    release_id: RowId,
    body: ReleaseUpdate,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
) -> ReleaseDetail:
    await service.update_release(session, principal, access, release_id, body)
    return await views.show_release(session, access.app.id, release_id)


@router.post(
    "/{release_id:int}/ramp",
    operation_id="ramp_release",
    response_model=ReleaseDetail,
    responses=CONFLICTS,
)
async def ramp(
    release_id: RowId,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
    body: Annotated[RampIn | None, Body()] = None,
) -> ReleaseDetail:
    """Start a created release, or change an in-progress release's percentage (up or down)."""
    percentage = body.percentage if body is not None else None
    await service.transition(session, principal, access, release_id, "ramp", percentage)
    return await views.show_release(session, access.app.id, release_id)


def _transition_route(action: Action, summary: str) -> None:
    async def handler(
        release_id: RowId, access: AppWriter, session: DbSession, principal: CurrentPrincipal
    ) -> ReleaseDetail:
        await service.transition(session, principal, access, release_id, action)
        return await views.show_release(session, access.app.id, release_id)

    router.add_api_route(
        f"/{{release_id:int}}/{action}",
        handler,
        methods=["POST"],
        operation_id=f"{action}_release",
        response_model=ReleaseDetail,
        responses=CONFLICTS,
        summary=summary,
    )


_transition_route("pause", "Stop serving an in-progress release; keeps its percentage")
_transition_route("resume", "Serve a paused release again at its percentage")
_transition_route("conclude", "Make an in-progress release the baseline of its target")
_transition_route("discard", "Abandon a created, in-progress or paused release")
_transition_route("retire", "Stop serving a concluded release without replacing it")


@router.post(
    "/{release_id:int}/rollback",
    operation_id="rollback_release",
    response_model=ReleaseDetail,
    status_code=201,
    responses=CONFLICTS,
)
async def rollback(
    release_id: RowId,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
    body: Annotated[RollbackIn | None, Body()] = None,
) -> ReleaseDetail:
    """Serve release `release_id`'s content again, as a new concluded release of its target."""
    notes = body.notes if body is not None else None
    release = await service.rollback(session, principal, access, release_id, notes)
    return await views.show_release(session, access.app.id, release.id)


@router.get(
    "/{release_id:int}/changes", operation_id="release_changes", response_model=ReleaseChangesOut
)
async def release_changes(
    release_id: RowId, access: AppReader, session: DbSession
) -> ReleaseChangesOut:
    """Package files added, removed and changed (with sizes) and the config and properties
    that differ, against the release it replaces for its audience."""
    release = await service.get_release(session, access.app.id, release_id)
    return changes.changes_out(await changes.release_changes(session, release))


@router.get("/timeline", operation_id="release_timeline", response_model=TimelineOut)
async def timeline(
    access: AppReader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: BeforeId = None,
) -> TimelineOut:
    """Every release event of the application (created, ramped, concluded, superseded,
    rolled back...) and who did it, newest first, from the audit trail."""
    where = EventFilter(
        org_id=access.org.id, app_id=access.app.id, before=before, object_type="release"
    )
    entries, next_before = await audit.list_events(session, where, limit)
    return TimelineOut(
        entries=[
            TimelineEntryOut(
                id=e.event.id,
                release_id=int(e.event.object_id),
                action=e.event.action.removeprefix("release."),
                from_state=e.event.from_state,
                to_state=e.event.to_state,
                actor=e.actor,
                how=e.event.via,
                details=e.event.details or {},
                at=e.event.created_at,
            )
            for e in entries
        ],
        next_before=next_before,
    )


@router.post(
    "/{release_id:int}/rollback-previous",
    operation_id="rollback_release_to_previous",
    response_model=ReleaseDetail,
    status_code=201,
    responses=CONFLICTS,
)
async def rollback_previous(
    release_id: RowId,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
    body: Annotated[RollbackIn | None, Body()] = None,
) -> ReleaseDetail:
    """Undo concluded release `release_id`: serve the release it replaced again, as a new
    concluded release of the same target (the same as rolling back to that release)."""
    notes = body.notes if body is not None else None
    release = await service.rollback_to_previous(session, principal, access, release_id, notes)
    return await views.show_release(session, access.app.id, release.id)
