"""Queries for roles held through memberships."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.roles import Role
from tradewind.models import Application, AppMember, Organisation, OrgMember


async def org_member_role(session: AsyncSession, org_id: int, user_id: int) -> Role | None:
    role = await session.scalar(
        select(OrgMember.role).where(OrgMember.org_id == org_id, OrgMember.user_id == user_id)
    )
    return Role(role) if role else None


async def app_member_role(session: AsyncSession, app_id: int, user_id: int) -> Role | None:
    role = await session.scalar(
        select(AppMember.role).where(AppMember.app_id == app_id, AppMember.user_id == user_id)
    )
    return Role(role) if role else None


async def org_by_name(session: AsyncSession, name: str) -> Organisation | None:
    return await session.scalar(select(Organisation).where(Organisation.name == name))


async def app_by_name(session: AsyncSession, org_id: int, name: str) -> Application | None:
    return await session.scalar(
        select(Application).where(Application.org_id == org_id, Application.name == name)
    )


async def has_any_app_role_in_org(session: AsyncSession, org_id: int, user_id: int) -> bool:
    found = await session.scalar(
        select(AppMember.app_id)
        .join(Application, Application.id == AppMember.app_id)
        .where(Application.org_id == org_id, AppMember.user_id == user_id)
        .limit(1)
    )
    return found is not None
