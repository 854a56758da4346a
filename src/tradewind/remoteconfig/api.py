"""Routes for remote configuration: the property schema (read / admin) and cohort dimensions."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tradewind.models import CohortDimension, ConfigProperty
from tradewind.remoteconfig import cohort_service, service
from tradewind.remoteconfig.properties import PropertySpec
from tradewind.remoteconfig.schemas import (
    CohortDimensionIn,
    CohortDimensionOut,
    CohortOut,
    PropertyOut,
    PropertySchemaIn,
    PropertySchemaOut,
)
from tradewind.web.deps import AppAdmin, AppReader, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses

router = APIRouter(prefix="/orgs/{org}/apps/{app}", tags=["remote config"])
DimensionPath = "/cohorts/{name}"


def _schema_out(rows: list[ConfigProperty]) -> PropertySchemaOut:
    return PropertySchemaOut(
        properties={
            row.name: PropertyOut(
                description=row.description,
                default_value=row.default_value.get("value"),
                schema_=row.schema,
            )
            for row in rows
        }
    )


def _cohorts_out(row: CohortDimension) -> CohortDimensionOut:
    return CohortDimensionOut(
        name=row.name,
        base_dimension=row.base_dimension,
        cohorts=[CohortOut.model_validate(item) for item in row.cohorts],
    )


@router.get(
    "/properties/schema", operation_id="get_property_schema", response_model=PropertySchemaOut
)
async def get_property_schema(access: AppReader, session: DbSession) -> PropertySchemaOut:
    """The application's remote-config properties: description, default value, JSON Schema."""
    return _schema_out(await service.list_properties(session, access.app.id))


@router.put(
    "/properties/schema",
    operation_id="put_property_schema",
    response_model=PropertySchemaOut,
    responses=error_responses(400, 409),
)
async def put_property_schema(
    body: PropertySchemaIn, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> PropertySchemaOut:
    """Replace the schema (declarative: properties missing from the body are removed).

    400 invalid_property_schema: a schema is not valid JSON Schema or a default fails it.
    409 property_schema_conflict: a live or pending release sets a property the new schema
    rejects (details.release_ids).
    """
    specs = {
        name: PropertySpec(name, item.description, item.default_value, item.schema_)
        for name, item in body.properties.items()
    }
    rows = await service.replace_schema(session, principal, access, specs)
    return _schema_out(rows)


@router.get(
    "/cohorts", operation_id="list_cohort_dimensions", response_model=list[CohortDimensionOut]
)
async def list_cohort_dimensions(access: AppReader, session: DbSession) -> list[CohortDimensionOut]:
    rows = await cohort_service.list_cohort_dimensions(session, access.app.id)
    return [_cohorts_out(row) for row in rows]


@router.get(DimensionPath, operation_id="get_cohort_dimension", response_model=CohortDimensionOut)
async def get_cohort_dimension(
    name: str, access: AppReader, session: DbSession
) -> CohortDimensionOut:
    return _cohorts_out(await cohort_service.get_cohort_dimension(session, access.app.id, name))


@router.put(
    DimensionPath,
    operation_id="put_cohort_dimension",
    response_model=CohortDimensionOut,
    responses=error_responses(400, 409),
)
async def put_cohort_dimension(
    name: str,
    body: CohortDimensionIn,
    access: AppAdmin,
    session: DbSession,
    principal: CurrentPrincipal,
) -> CohortDimensionOut:
    """Create or replace a cohort dimension; the first time, its dimension is created too."""
    row = await cohort_service.put_cohort_dimension(
        session,
        principal,
        access,
        name,
        body.base_dimension,
        [c.model_dump(exclude_none=True) for c in body.cohorts],
        body.position,
        body.description,
    )
    return _cohorts_out(row)


@router.delete(
    DimensionPath,
    operation_id="delete_cohort_dimension",
    status_code=204,
    responses=error_responses(409),
)
async def delete_cohort_dimension(
    name: str, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await cohort_service.delete_cohort_dimension(session, principal, access, name)
    return Response(status_code=204)
