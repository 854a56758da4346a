"""Routes for an application's dimensions (read: list/show; admin: create/move/delete)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tradewind.dimensions import service
from tradewind.dimensions.schemas import DimensionCreate, DimensionOut, DimensionUpdate
from tradewind.models import Dimension
from tradewind.web.deps import AppAdmin, AppReader, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses

router = APIRouter(prefix="/orgs/{org}/apps/{app}/dimensions", tags=["dimensions"])


def _out(dimension: Dimension) -> DimensionOut:
    return DimensionOut(
        name=dimension.name,
        type=dimension.type,
        position=dimension.position,
        weight=2**dimension.position,
        description=dimension.description,
        created_at=dimension.created_at,
    )


@router.get("", operation_id="list_dimensions", response_model=list[DimensionOut])
async def list_dimensions(access: AppReader, session: DbSession) -> list[DimensionOut]:
    """Dimensions by position, lowest priority first."""
    return [_out(d) for d in await service.list_dimensions(session, access.app.id)]


@router.post(
    "",
    operation_id="create_dimension",
    response_model=DimensionOut,
    status_code=201,
    responses=error_responses(409),
)
async def create_dimension(
    body: DimensionCreate, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> DimensionOut:
    dimension = await service.create_dimension(
        session, principal, access, body.name, body.type, body.position, body.description
    )
    return _out(dimension)


@router.get("/{name}", operation_id="get_dimension", response_model=DimensionOut)
async def get_dimension(name: str, access: AppReader, session: DbSession) -> DimensionOut:
    return _out(await service.get_dimension(session, access.app.id, name))


@router.patch("/{name}", operation_id="update_dimension", response_model=DimensionOut)
async def update_dimension(
    name: str,
    body: DimensionUpdate,
    access: AppAdmin,
    session: DbSession,
    principal: CurrentPrincipal,
) -> DimensionOut:
    dimension = await service.update_dimension(
        session, principal, access, name, body.position, body.description
    )
    return _out(dimension)


@router.delete(
    "/{name}", operation_id="delete_dimension", status_code=204, responses=error_responses(409)
)
async def delete_dimension(
    name: str, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await service.delete_dimension(session, principal, access, name)
    return Response(status_code=204)
