"""Queries over audit events."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import ApiToken, Application, AuditEvent, Session, User


@dataclass(frozen=True, slots=True)
class EventFilter:
    org_id: int
    app_id: int | None = None
    before: int | None = None
    action: str | None = None
    object_type: str | None = None


async def list_events(
    session: AsyncSession, where: EventFilter, limit: int
) -> list[tuple[AuditEvent, str | None, str | None]]:
    """Events newest first, with the actor's email and the application's name."""
    query = (
        select(AuditEvent, User.email, Application.name)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .outerjoin(Application, Application.id == AuditEvent.app_id)
        .where(AuditEvent.org_id == where.org_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    if where.app_id is not None:
        query = query.where(AuditEvent.app_id == where.app_id)
    if where.before is not None:
        query = query.where(AuditEvent.id < where.before)
    if where.action is not None:
        query = query.where(AuditEvent.action == where.action)
    if where.object_type is not None:
        query = query.where(AuditEvent.object_type == where.object_type)
    rows = await session.execute(query)
    return [(event, actor, app) for event, actor, app in rows]


async def token_name(session: AsyncSession, token_id: int) -> str | None:
    return await session.scalar(select(ApiToken.name).where(ApiToken.id == token_id))


async def session_kind(session: AsyncSession, session_id: int) -> str | None:
    return await session.scalar(select(Session.kind).where(Session.id == session_id))
