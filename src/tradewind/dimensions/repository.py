"""Queries for dimensions."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Dimension


async def list_for_app(session: AsyncSession, app_id: int) -> list[Dimension]:
    query = select(Dimension).where(Dimension.app_id == app_id).order_by(Dimension.position)
    return list(await session.scalars(query))


async def by_name(session: AsyncSession, app_id: int, name: str) -> Dimension | None:
    return await session.scalar(
        select(Dimension).where(Dimension.app_id == app_id, Dimension.name == name)
    )


async def count(session: AsyncSession, app_id: int) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Dimension).where(Dimension.app_id == app_id)
    )
    return int(total or 0)


async def shift_positions(
    session: AsyncSession, app_id: int, low: int, high: int | None, delta: int
) -> None:
    """Add `delta` to the position of every dimension with low <= position <= high."""
    condition = (Dimension.app_id == app_id) & (Dimension.position >= low)
    if high is not None:
        condition &= Dimension.position <= high
    await session.execute(
        update(Dimension)
        .where(condition)
        .values(position=Dimension.position + delta)
        .execution_options(synchronize_session="fetch")
    )


async def delete_dimension(session: AsyncSession, dimension_id: int) -> None:
    await session.execute(delete(Dimension).where(Dimension.id == dimension_id))
