"""Queries and writes for property schemas, cohort dimensions and saved views."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import CohortDimension, ConfigProperty, SavedView


async def list_properties(session: AsyncSession, app_id: int) -> list[ConfigProperty]:
    query = (
        select(ConfigProperty).where(ConfigProperty.app_id == app_id).order_by(ConfigProperty.name)
    )
    return list(await session.scalars(query))


async def delete_properties(session: AsyncSession, app_id: int, names: Collection[str]) -> None:
    if names:
        await session.execute(
            delete(ConfigProperty).where(
                ConfigProperty.app_id == app_id, ConfigProperty.name.in_(tuple(names))
            )
        )


async def list_cohort_dimensions(session: AsyncSession, app_id: int) -> list[CohortDimension]:
    query = (
        select(CohortDimension)
        .where(CohortDimension.app_id == app_id)
        .order_by(CohortDimension.name)
    )
    return list(await session.scalars(query))


async def cohort_dimension(session: AsyncSession, app_id: int, name: str) -> CohortDimension | None:
    return await session.scalar(
        select(CohortDimension).where(
            CohortDimension.app_id == app_id, CohortDimension.name == name
        )
    )


async def cohorts_on_base(session: AsyncSession, app_id: int, base: str) -> list[str]:
    query = select(CohortDimension.name).where(
        CohortDimension.app_id == app_id, CohortDimension.base_dimension == base
    )
    return list(await session.scalars(query))


async def delete_cohort_dimension(session: AsyncSession, app_id: int, name: str) -> None:
    await session.execute(
        delete(CohortDimension).where(
            CohortDimension.app_id == app_id, CohortDimension.name == name
        )
    )


async def list_views(session: AsyncSession, app_id: int) -> list[SavedView]:
    query = select(SavedView).where(SavedView.app_id == app_id).order_by(SavedView.name)
    return list(await session.scalars(query))


async def view_by_name(session: AsyncSession, app_id: int, name: str) -> SavedView | None:
    return await session.scalar(
        select(SavedView).where(SavedView.app_id == app_id, SavedView.name == name)
    )


async def delete_view(session: AsyncSession, view_id: int) -> None:
    await session.execute(delete(SavedView).where(SavedView.id == view_id))
