"""Queries for users, sessions and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import ApiToken, Session, User


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def list_users(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.id)))


async def session_by_hash(session: AsyncSession, token_hash: str) -> Session | None:
    return await session.scalar(select(Session).where(Session.token_hash == token_hash))


async def api_token_by_hash(session: AsyncSession, token_hash: str) -> ApiToken | None:
    return await session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))


async def touch_session(session: AsyncSession, session_id: int, now: datetime) -> None:
    await session.execute(update(Session).where(Session.id == session_id).values(last_used_at=now))


async def touch_api_token(session: AsyncSession, token_id: int, now: datetime) -> None:
    await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


async def revoke_sessions(
    session: AsyncSession, user_id: int, now: datetime, *, keep: int | None = None
) -> None:
    query = update(Session).where(Session.user_id == user_id, Session.revoked_at.is_(None))
    if keep is not None:
        query = query.where(Session.id != keep)
    await session.execute(query.values(revoked_at=now))
