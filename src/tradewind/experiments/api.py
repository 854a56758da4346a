"""Routes for experiments: variant shares, concluding with a variant, per-variant figures."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tradewind.analytics.schemas import ReleaseHealthOut
from tradewind.models.base import utcnow
from tradewind.releases import experiments, views
from tradewind.releases.schemas import ReleaseDetail, VariantSharesIn
from tradewind.web.deps import AppReader, AppWriter, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses
from tradewind.web.params import RowId

router = APIRouter(prefix="/orgs/{org}/apps/{app}/releases", tags=["releases"])


class VariantReportOut(BaseModel):
    name: str
    release_id: int = Field(description="the variant's id: its config.version and signals")
    status: str = Field(description="variant while the experiment runs, then retired")
    percentage: float
    health: ReleaseHealthOut = Field(description="adoption and failures of this variant")


@router.put(
    "/{release_id}/variants",
    operation_id="set_variant_shares",
    response_model=ReleaseDetail,
    responses=error_responses(400, 409),
)
async def set_variant_shares(
    release_id: RowId,
    body: VariantSharesIn,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
) -> ReleaseDetail:
    """Change an experiment's traffic shares (adding up to 100); a device moves only out of
    a variant whose share went down."""
    await experiments.set_shares(session, principal, access, release_id, body.percentages)
    return await views.show_release(session, access.app.id, release_id)


@router.post(
    "/{release_id}/variants/{name}/conclude",
    operation_id="conclude_with_variant",
    response_model=ReleaseDetail,
    responses=error_responses(409),
)
async def conclude_with_variant(
    release_id: RowId,
    name: str,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
) -> ReleaseDetail:
    """Conclude an in-progress experiment: the variant's content becomes the new baseline of
    the experiment's target."""
    await experiments.conclude_with(session, principal, access, release_id, name)
    return await views.show_release(session, access.app.id, release_id)


@router.get(
    "/{release_id}/variants/report",
    operation_id="variant_report",
    response_model=list[VariantReportOut],
    responses=error_responses(409),
)
async def variant_report(
    release_id: RowId, access: AppReader, session: DbSession
) -> list[VariantReportOut]:
    """Per variant: checks served, distinct devices, installs and failures."""
    found = await experiments.report(session, access.app.id, release_id, utcnow())
    return [
        VariantReportOut(
            name=row.variant_name or "",
            release_id=row.id,
            status=row.status,
            percentage=sum(high - low for low, high in row.variant_ranges or []) / 100,
            health=health,
        )
        for row, health in found
    ]
