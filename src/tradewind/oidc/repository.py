"""Queries for external identities (memberships: tradewind.members.repository)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Application, Organisation, User, UserIdentity


async def user_by_identity(session: AsyncSession, issuer: str, subject: str) -> User | None:
    return await session.scalar(
        select(User)
        .join(UserIdentity, UserIdentity.user_id == User.id)
        .where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    )


async def add_identity(session: AsyncSession, user_id: int, issuer: str, subject: str) -> None:
    session.add(UserIdentity(user_id=user_id, issuer=issuer, subject=subject))
    await session.flush()


async def orgs_by_name(session: AsyncSession, names: Iterable[str]) -> dict[str, Organisation]:
    wanted = set(names)
    if not wanted:
        return {}
    rows = await session.scalars(select(Organisation).where(Organisation.name.in_(wanted)))
    return {org.name: org for org in rows}


async def apps_by_name(
    session: AsyncSession, pairs: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], Application]:
    wanted = set(pairs)
    if not wanted:
        return {}
    query = select(Application).where(tuple_(Application.org_id, Application.name).in_(wanted))
    return {(app.org_id, app.name): app for app in await session.scalars(query)}


async def app_org_ids(session: AsyncSession, app_ids: Iterable[int]) -> dict[int, int]:
    wanted = set(app_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Application.id, Application.org_id).where(Application.id.in_(wanted))
    )
    return {app_id: org_id for app_id, org_id in rows.tuples()}
