"""The read side of remote configuration that device snapshots need: the application's
property schema and its compiled cohort dimensions (no rules, no writes)."""

from __future__ import annotations

from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.dimensions import repository as dimensions_repo
from tradewind.models import CohortDimension as CohortRow
from tradewind.models import ConfigProperty
from tradewind.remoteconfig import repository as repo
from tradewind.remoteconfig.cohorts import CohortDimension, parse_cohorts
from tradewind.remoteconfig.properties import PropertySchema, PropertySpec
from tradewind.targeting.conditions import DimensionType


def spec_of(row: ConfigProperty) -> PropertySpec:
    return PropertySpec(
        name=row.name,
        description=row.description,
        default=row.default_value.get("value"),
        schema=row.schema,
    )


async def load_schema(session: AsyncSession, app_id: int) -> PropertySchema:
    rows = await repo.list_properties(session, app_id)
    return PropertySchema.build({row.name: spec_of(row) for row in rows})


def compiled(row: CohortRow, base_type: str) -> CohortDimension:
    return parse_cohorts(row.name, row.base_dimension, row.cohorts, cast(DimensionType, base_type))


async def load_cohorts(session: AsyncSession, app_id: int) -> tuple[CohortDimension, ...]:
    """The application's cohort dimensions, compiled (for snapshots and explain)."""
    types = {d.name: d.type for d in await dimensions_repo.list_for_app(session, app_id)}
    rows = await repo.list_cohort_dimensions(session, app_id)
    return tuple(compiled(row, types.get(row.base_dimension, "string")) for row in rows)


async def cohort_names(session: AsyncSession, app_id: int) -> dict[str, frozenset[str]]:
    """Cohort dimension -> its cohort names (to check targets that name a cohort)."""
    return {c.name: c.names for c in await load_cohorts(session, app_id)}
