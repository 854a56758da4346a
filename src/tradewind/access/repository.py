"""Queries for the organisations and applications named in a request (memberships:
tradewind.members.repository)."""

from __future__ import annotations

import re

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Application, Organisation
from tradewind.names import SLUG_PATTERN

SLUG_RE = re.compile(SLUG_PATTERN)


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


async def org_and_app_by_name(
    session: AsyncSession, org_name: str, app_name: str
) -> tuple[Organisation | None, Application | None]:
    """The organisation and its application of these names, in one query."""
    if not _storable(org_name):
        return None, None
    if not _storable(app_name):
        return await org_by_name(session, org_name), None
    app_in_org = and_(Application.org_id == Organisation.id, Application.name == app_name)
    query = (
        select(Organisation, Application)
        .outerjoin(Application, app_in_org)
        .where(Organisation.name == org_name)
    )
    row = (await session.execute(query)).first()
    return (None, None) if row is None else (row[0], row[1])


async def app_by_id(session: AsyncSession, app_id: int) -> Application | None:
    return await session.get(Application, app_id)
