"""Queries for roles held through memberships."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.roles import Role
from tradewind.models import Application, AppMember, Organisation, OrgMember
from tradewind.names import SLUG_PATTERN

SLUG_RE = re.compile(SLUG_PATTERN)


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


def _storable(name: str) -> bool:
    """Names from URLs that no organisation or application can have are not looked up (some
    would even make PostgreSQL fail, e.g. NUL)."""
    return SLUG_RE.fullmatch(name) is not None


async def org_by_name(session: AsyncSession, name: str) -> Organisation | None:
    if not _storable(name):
        return None
    return await session.scalar(select(Organisation).where(Organisation.name == name))


async def app_by_name(session: AsyncSession, org_id: int, name: str) -> Application | None:
    if not _storable(name):
        return None
    return await session.scalar(
        select(Application).where(Application.org_id == org_id, Application.name == name)
    )


async def app_by_id(session: AsyncSession, app_id: int) -> Application | None:
    return await session.get(Application, app_id)


async def has_any_app_role_in_org(session: AsyncSession, org_id: int, user_id: int) -> bool:
    found = await session.scalar(
        select(AppMember.app_id)
        .join(Application, Application.id == AppMember.app_id)
        .where(Application.org_id == org_id, AppMember.user_id == user_id)
        .limit(1)
    )
    return found is not None
