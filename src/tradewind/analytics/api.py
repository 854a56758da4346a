"""Routes for adoption per package version and the health of a release."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tradewind.analytics import service
from tradewind.analytics.schemas import AdoptionOut, ReleaseHealthOut
from tradewind.analytics.timeline import Span
from tradewind.models.base import utcnow
from tradewind.web.deps import AppReader, DbSession
from tradewind.web.params import IsoDatetime, RowId

router = APIRouter(prefix="/orgs/{org}/apps/{app}", tags=["analytics"])


@router.get("/analytics/adoption", operation_id="get_adoption", response_model=AdoptionOut)
async def get_adoption(
    access: AppReader,
    session: DbSession,
    span: Annotated[Span, Query(description="bucket size")] = "hour",
    since: Annotated[
        IsoDatetime | None,
        Query(description="default: one window before `until` (1 h, 24 h or 30 days by span)"),
    ] = None,
    until: Annotated[IsoDatetime | None, Query(description="default: now")] = None,
) -> AdoptionOut:
    """Update checks and distinct devices per package version and time bucket.

    At most 1000 buckets (`too_many_buckets`); `since` must be before `until`
    (`invalid_time_range`). A time without offset is UTC.
    """
    return await service.adoption(session, access.app.id, span, since, until, utcnow())


@router.get(
    "/releases/{release_id}/analytics",
    operation_id="get_release_analytics",
    response_model=ReleaseHealthOut,
)
async def get_release_analytics(
    release_id: RowId, access: AppReader, session: DbSession
) -> ReleaseHealthOut:
    """Checks, devices, downloads, installs, failures and adoption of a release, with its
    failure rate (Wilson 95% interval) next to its baseline release's."""
    return await service.release_health(session, access.app.id, release_id, utcnow())
