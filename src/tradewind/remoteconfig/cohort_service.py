"""Cohort dimension rules: a valid base, no overlaps, no removing a cohort a target names.

Defining a cohort dimension also creates the dimension of that name (type string), so targets
test it like any other dimension and its position gives its weight. Deleting one goes through
the dimension rules (refused while a release targets it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.audit.service import record
from tradewind.db import save_rows
from tradewind.dimensions import repository as dimensions_repo
from tradewind.dimensions import service as dimensions_service
from tradewind.errors import BadRequest, Conflict, NotFound
from tradewind.models import CohortDimension as CohortRow
from tradewind.releases import repository as releases_repo
from tradewind.remoteconfig import repository as repo
from tradewind.remoteconfig.cohorts import parse_cohorts
from tradewind.remoteconfig.service import PENDING_OR_LIVE
from tradewind.targeting.conditions import DimensionType


async def list_cohort_dimensions(session: AsyncSession, app_id: int) -> list[CohortRow]:
    return await repo.list_cohort_dimensions(session, app_id)


async def get_cohort_dimension(session: AsyncSession, app_id: int, name: str) -> CohortRow:
    row = await repo.cohort_dimension(session, app_id, name)
    if row is None:
        raise NotFound(f"cohort dimension '{name}' not found", code="cohort_dimension_not_found")
    return row


async def put_cohort_dimension(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    name: str,
    base: str,
    cohorts: Sequence[Mapping[str, Any]],
    position: int | None,
    description: str,
) -> CohortRow:
    """Create or replace a cohort dimension (and create its dimension the first time)."""
    app_id = (await releases_repo.lock_app(session, access.app.id)).id
    dimension = await _checked_base(session, app_id, name, base)
    spec = parse_cohorts(name, base, cohorts, cast(DimensionType, dimension.type))
    stored = [cohort.as_json() for cohort in spec.cohorts]
    row = await repo.cohort_dimension(session, app_id, name)
    if row is None:
        if await dimensions_repo.by_name(session, app_id, name) is not None:
            raise Conflict(
                f"dimension '{name}' already exists and is not a cohort dimension",
                code="dimension_exists",
            )
        await dimensions_service.create_dimension(
            session, principal, access, name, "string", position, description
        )
        row = CohortRow(app_id=app_id, name=name, base_dimension=base, cohorts=stored)
    else:
        await _ensure_targeted_cohorts_kept(session, app_id, name, spec.names)
        row.base_dimension, row.cohorts = base, stored
    await save_rows(session, row)
    await _audit(session, principal, access, row, "put")
    await releases_repo.bump_revision(session, app_id)
    return row


async def delete_cohort_dimension(
    session: AsyncSession, principal: Principal, access: AppAccess, name: str
) -> None:
    """Delete a cohort dimension and its dimension (409 while a release targets it)."""
    app_id = (await releases_repo.lock_app(session, access.app.id)).id
    row = await get_cohort_dimension(session, app_id, name)
    await _audit(session, principal, access, row, "delete")
    await dimensions_service.delete_dimension(session, principal, access, name)


async def _checked_base(session: AsyncSession, app_id: int, name: str, base: str) -> Any:
    problem = None
    dimension = await dimensions_repo.by_name(session, app_id, base)
    if base == name:
        problem = ("base_is_self", "a cohort dimension cannot be based on itself")
    elif dimension is None:
        problem = ("unknown_dimension", f"base dimension '{base}' does not exist")
    elif await repo.cohort_dimension(session, app_id, base) is not None:
        problem = ("base_is_cohort", f"'{base}' is itself a cohort dimension")
    if problem is not None:
        raise BadRequest(
            problem[1],
            code="invalid_cohorts",
            details={"index": None, "cohort": "", "problem": problem[0], "base_dimension": base},
        )
    return dimension


async def _ensure_targeted_cohorts_kept(
    session: AsyncSession, app_id: int, name: str, kept: frozenset[str]
) -> None:
    releases = await releases_repo.releases_with_status(session, app_id, PENDING_OR_LIVE)
    users: dict[int, list[str]] = {}
    for release in releases:
        for condition in release.target:
            if condition.get("dimension") == name:
                lost = sorted(set(condition.get("values", [])) - kept)
                if lost:
                    users[release.id] = lost
    if users:
        raise Conflict(
            f"release(s) {', '.join(map(str, sorted(users)))} target cohorts this change "
            "removes; change or retire them first",
            code="cohort_in_use",
            details={
                "release_ids": sorted(users),
                "cohorts": sorted({c for v in users.values() for c in v}),
            },
        )


async def _audit(
    session: AsyncSession, principal: Principal, access: AppAccess, row: CohortRow, action: str
) -> None:
    await record(
        session,
        principal,
        f"cohort_dimension.{action}",
        "cohort_dimension",
        row.id,
        org_id=access.org.id,
        app_id=access.app.id,
        details={
            "name": row.name,
            "base_dimension": row.base_dimension,
            "cohorts": [c["name"] for c in row.cohorts],
        },
    )
