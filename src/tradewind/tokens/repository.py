"""Queries for API tokens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import ApiToken, Application, Organisation

# A token row with the names of the organisation and application it is restricted to.
TokenRow = tuple[ApiToken, str | None, str | None]


async def list_tokens(session: AsyncSession, user_id: int) -> list[TokenRow]:
    query = (
        select(ApiToken, Organisation.name, Application.name)
        .outerjoin(Organisation, Organisation.id == ApiToken.org_id)
        .outerjoin(Application, Application.id == ApiToken.app_id)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.id.desc())
    )
    rows = await session.execute(query)
    return [(token, org, app) for token, org, app in rows]


async def token_by_id(session: AsyncSession, token_id: int) -> ApiToken | None:
    return await session.get(ApiToken, token_id)


async def active_name_taken(session: AsyncSession, user_id: int, name: str) -> bool:
    query = select(ApiToken.id).where(
        ApiToken.user_id == user_id, ApiToken.name == name, ApiToken.revoked_at.is_(None)
    )
    return await session.scalar(query.limit(1)) is not None
