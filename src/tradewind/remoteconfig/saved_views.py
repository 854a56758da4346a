"""Saved views: named dimension filters for an application's release list.

A view holds dimension values, e.g. ``{"os": "android", "app_version": "3.1.0"}``. A release is
in the view when its target can apply to a device with those values: each of its conditions on
a filtered dimension holds for the view's value (conditions on other dimensions are ignored).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.audit.service import record
from tradewind.db import save_rows
from tradewind.dimensions import repository as dimensions_repo
from tradewind.errors import BadRequest, NotFound
from tradewind.models import Release, SavedView
from tradewind.releases.content import conditions_of
from tradewind.remoteconfig import repository as repo
from tradewind.targeting.conditions import CompiledCondition


def in_view(release: Release, filters: Mapping[str, str]) -> bool:
    return all(
        CompiledCondition(condition).matches(filters)
        for condition in conditions_of(release.target)
        if condition.dimension in filters
    )


def filtered(releases: Sequence[Release], filters: Mapping[str, str]) -> list[Release]:
    return [release for release in releases if in_view(release, filters)]


async def list_views(session: AsyncSession, app_id: int) -> list[SavedView]:
    return await repo.list_views(session, app_id)


async def get_view(session: AsyncSession, app_id: int, name: str) -> SavedView:
    view = await repo.view_by_name(session, app_id, name)
    if view is None:
        raise NotFound(f"saved view '{name}' not found", code="view_not_found")
    return view


async def put_view(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    name: str,
    filters: Mapping[str, str],
) -> SavedView:
    """Create or replace a view; 400 invalid_view for a dimension the app does not define."""
    known = {d.name for d in await dimensions_repo.list_for_app(session, access.app.id)}
    unknown = sorted(set(filters) - known)
    if unknown:
        raise BadRequest(
            f"no dimension {unknown[0]!r} in this application",
            code="invalid_view",
            details={"problem": "unknown_dimension", "dimension": unknown[0]},
        )
    try:
        view = await get_view(session, access.app.id, name)
        view.filters = dict(filters)
    except NotFound:
        view = SavedView(app_id=access.app.id, name=name, filters=dict(filters))
    await save_rows(session, view)
    await _audit(session, principal, access, view, "put")
    return view


async def delete_view(
    session: AsyncSession, principal: Principal, access: AppAccess, name: str
) -> None:
    view = await get_view(session, access.app.id, name)
    await _audit(session, principal, access, view, "delete")
    await repo.delete_view(session, view.id)


async def _audit(
    session: AsyncSession, principal: Principal, access: AppAccess, view: SavedView, action: str
) -> None:
    await record(
        session,
        principal,
        f"saved_view.{action}",
        "saved_view",
        view.id,
        org_id=access.org.id,
        app_id=access.app.id,
        details={"name": view.name, "filters": view.filters},
    )
