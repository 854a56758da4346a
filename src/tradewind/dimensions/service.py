"""Dimension rules: unique names, dense positions 0..n-1, and no deleting one still targeted.

Positions are priorities: a dimension weighs 2**position in a target's specificity, so the
highest position is the most important. Inserting at a position shifts the dimensions at and
above it up by one, moving one shifts those in between, deleting one closes the gap. Every
change of positions changes target weights, so it bumps the application's revision.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.audit.service import record
from tradewind.db import save, save_rows
from tradewind.dimensions import repository as repo
from tradewind.errors import BadRequest, Conflict, NotFound
from tradewind.models import Dimension
from tradewind.releases import repository as releases_repo
from tradewind.remoteconfig import repository as cohorts_repo

# Weights stay below 2**53, so they survive a JSON round trip through JavaScript intact.
MAX_DIMENSIONS = 50
# Releases that are or may become live; superseded and discarded ones are history.
TARGETING_STATUSES = ("created", "in_progress", "paused", "concluded")


async def list_dimensions(session: AsyncSession, app_id: int) -> list[Dimension]:
    return await repo.list_for_app(session, app_id)


async def get_dimension(session: AsyncSession, app_id: int, name: str) -> Dimension:
    dimension = await repo.by_name(session, app_id, name)
    if dimension is None:
        raise NotFound(f"dimension '{name}' not found", code="dimension_not_found")
    return dimension


async def create_dimension(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    name: str,
    type_: str,
    position: int | None,
    description: str,
) -> Dimension:
    app_id = (await releases_repo.lock_app(session, access.app.id)).id
    if await repo.by_name(session, app_id, name) is not None:
        raise _exists(name)
    total = await repo.count(session, app_id)
    if total >= MAX_DIMENSIONS:
        raise BadRequest(
            f"an application has at most {MAX_DIMENSIONS} dimensions",
            code="too_many_dimensions",
            details={"max": MAX_DIMENSIONS},
        )
    position = total if position is None else _checked_position(position, total)
    await repo.shift_positions(session, app_id, position, None, +1)
    dimension = Dimension(
        app_id=app_id, name=name, type=type_, position=position, description=description
    )
    try:
        await save_rows(session, dimension)
    except IntegrityError as exc:
        raise _exists(name) from exc
    await _audit(session, principal, access, dimension, "create", {"type": type_})
    await releases_repo.bump_revision(session, app_id)
    return dimension


async def update_dimension(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    name: str,
    position: int | None,
    description: str | None,
) -> Dimension:
    app_id = (await releases_repo.lock_app(session, access.app.id)).id
    dimension = await get_dimension(session, app_id, name)
    details: dict[str, Any] = {}
    if description is not None:
        dimension.description = description
        details["description_changed"] = True
    if position is not None and position != dimension.position:
        to = _checked_position(position, await repo.count(session, app_id) - 1)
        details["moved_from"] = dimension.position
        await _move(session, dimension, to)
        dimension.position = to
        await releases_repo.bump_revision(session, app_id)
    await save(session)
    await _audit(session, principal, access, dimension, "update", details)
    return dimension


async def _move(session: AsyncSession, dimension: Dimension, to: int) -> None:
    """Shift the dimensions between the old and the new position by one, towards the gap."""
    start = dimension.position
    if to > start:
        await repo.shift_positions(session, dimension.app_id, start + 1, to, -1)
    else:
        await repo.shift_positions(session, dimension.app_id, to, start - 1, +1)


async def delete_dimension(
    session: AsyncSession, principal: Principal, access: AppAccess, name: str
) -> None:
    app_id = (await releases_repo.lock_app(session, access.app.id)).id
    dimension = await get_dimension(session, app_id, name)
    users = await _releases_targeting(session, app_id, name)
    if users:
        raise Conflict(
            f"dimension '{name}' is used by the target of release(s) "
            f"{', '.join(map(str, users))}; discard or retire them first",
            code="dimension_in_use",
            details={"release_ids": users},
        )
    await _ensure_no_cohort_on(session, app_id, name)
    await _audit(session, principal, access, dimension, "delete", {})
    await cohorts_repo.delete_cohort_dimension(session, app_id, name)
    await repo.delete_dimension(session, dimension.id)
    await repo.shift_positions(session, app_id, dimension.position + 1, None, -1)
    await releases_repo.bump_revision(session, app_id)


async def _ensure_no_cohort_on(session: AsyncSession, app_id: int, name: str) -> None:
    cohorts = await cohorts_repo.cohorts_on_base(session, app_id, name)
    if cohorts:
        raise Conflict(
            f"dimension '{name}' is the base of cohort dimension(s) {', '.join(cohorts)}; "
            "delete them first",
            code="dimension_in_use",
            details={"cohort_dimensions": cohorts, "release_ids": []},
        )


async def _releases_targeting(session: AsyncSession, app_id: int, name: str) -> list[int]:
    releases = await releases_repo.releases_with_status(session, app_id, TARGETING_STATUSES)
    return [
        release.id
        for release in releases
        if any(condition.get("dimension") == name for condition in release.target)
    ]


def _checked_position(position: int, highest: int) -> int:
    if not 0 <= position <= highest:
        raise BadRequest(
            f"position must be between 0 and {highest}",
            code="invalid_position",
            details={"position": position, "max": highest},
        )
    return position


def _exists(name: str) -> Conflict:
    return Conflict(f"dimension '{name}' already exists", code="dimension_exists")


async def _audit(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    dimension: Dimension,
    action: str,
    details: dict[str, Any],
) -> None:
    await record(
        session,
        principal,
        f"dimension.{action}",
        "dimension",
        dimension.id,
        org_id=access.org.id,
        app_id=access.app.id,
        details={"name": dimension.name, "position": dimension.position, **details},
    )
