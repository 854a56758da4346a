"""Queries and writes for organisations and applications."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.members import repository as members_repo
from tradewind.models import Application, Organisation


async def visible_orgs(session: AsyncSession, principal: Principal) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.name)
    if not principal.is_site_admin:
        query = query.where(members_repo.is_member_of_org(principal.user_id))
    token = principal.token
    if token is not None and token.org_id is not None:
        query = query.where(Organisation.id == token.org_id)
    return list(await session.scalars(query))


async def apps_of_org(session: AsyncSession, org_id: int) -> list[Application]:
    query = select(Application).where(Application.org_id == org_id).order_by(Application.name)
    return list(await session.scalars(query))


async def delete_org(session: AsyncSession, org_id: int) -> None:
    await session.execute(delete(Organisation).where(Organisation.id == org_id))


async def delete_app(session: AsyncSession, app_id: int) -> None:
    await session.execute(delete(Application).where(Application.id == app_id))
