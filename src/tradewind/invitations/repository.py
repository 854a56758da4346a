"""Queries for invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.members.repository import Scope
from tradewind.models import Application, Invitation, Organisation, User


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.app_id is None:
        return (Invitation.org_id == scope.org_id) & Invitation.app_id.is_(None)
    return Invitation.app_id == scope.app_id


def _pending(now: datetime) -> ColumnElement[bool]:
    return (
        Invitation.accepted_at.is_(None)
        & Invitation.revoked_at.is_(None)
        & (Invitation.expires_at > now)
    )


async def list_pending(
    session: AsyncSession, scope: Scope, now: datetime
) -> list[tuple[Invitation, str | None]]:
    """Pending invitations of one scope, newest first, with the inviter's email."""
    query = (
        select(Invitation, User.email)
        .outerjoin(User, User.id == Invitation.invited_by)
        .where(_in_scope(scope), _pending(now))
        .order_by(Invitation.id.desc())
    )
    return [(invitation, inviter) for invitation, inviter in await session.execute(query)]


async def get_in_scope(
    session: AsyncSession, scope: Scope, invitation_id: int
) -> Invitation | None:
    return await session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, _in_scope(scope))
    )


async def by_token_hash(session: AsyncSession, token_hash: str) -> Invitation | None:
    return await session.scalar(
        select(Invitation).where(Invitation.token_hash == token_hash).with_for_update()
    )


async def revoke_pending(session: AsyncSession, scope: Scope, email: str, now: datetime) -> None:
    """Earlier pending invitations of the same person to the same place stop working."""
    await session.execute(
        update(Invitation)
        .where(_in_scope(scope), _pending(now), Invitation.email == email)
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


async def has_pending_for_email(session: AsyncSession, email: str, now: datetime) -> bool:
    found = await session.scalar(
        select(Invitation.id).where(Invitation.email == email, _pending(now)).limit(1)
    )
    return found is not None


async def place_names(
    session: AsyncSession, invitation: Invitation
) -> tuple[Organisation, Application | None]:
    org = await session.get(Organisation, invitation.org_id)
    assert org is not None  # the invitation cascades with its organisation
    app = await session.get(Application, invitation.app_id) if invitation.app_id else None
    return org, app


async def email_of(session: AsyncSession, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return await session.scalar(select(User.email).where(User.id == user_id))
