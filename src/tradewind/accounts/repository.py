"""Queries for users, sessions and API tokens."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import ApiToken, Session, User


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def emails_by_id(session: AsyncSession, user_ids: Collection[int]) -> dict[int, str]:
    """The email of each user (the name other aggregates show for an author or uploader)."""
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.email).where(User.id.in_(tuple(user_ids))))
    return {user_id: email for user_id, email in rows}


async def email_of(session: AsyncSession, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return (await emails_by_id(session, [user_id])).get(user_id)


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def list_users(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.id)))


_Credential = TypeVar("_Credential", Session, ApiToken)


async def _with_user(
    session: AsyncSession, model: type[_Credential], token_hash: str
) -> tuple[_Credential, User] | None:
    """The session or API token with this hash and its user, in one query."""
    owner = User.id == model.user_id
    query = select(model, User).join(User, owner).where(model.token_hash == token_hash)
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def session_by_hash(session: AsyncSession, token_hash: str) -> tuple[Session, User] | None:
    return await _with_user(session, Session, token_hash)


async def api_token_by_hash(session: AsyncSession, token_hash: str) -> tuple[ApiToken, User] | None:
    return await _with_user(session, ApiToken, token_hash)


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


# Sign-in failure slots (tradewind.accounts.signin): one atomic UPDATE each, see that module.


@dataclass(frozen=True, slots=True)
class Reservation:
    user_id: int
    password_hash: str | None
    disabled: bool
    count: int


async def reserve_failure_slot(
    session: AsyncSession, email: str, stale_before: datetime, max_failures: int, now: datetime
) -> Reservation | None:
    """Count an attempt as a failure up front; None when the account is unknown or locked."""
    stale = (User.last_failed_login_at.is_(None)) | (User.last_failed_login_at < stale_before)
    query = (
        update(User)
        .where(User.email == email)
        .where(stale | (User.failed_logins < max_failures))
        .values(
            failed_logins=case((stale, 1), else_=User.failed_logins + 1),
            last_failed_login_at=now,
        )
        .returning(User.id, User.password_hash, User.disabled, User.failed_logins)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(query)).first()
    return None if row is None else Reservation(row[0], row[1], row[2], row[3])


async def last_failed_login(session: AsyncSession, email: str) -> datetime | None:
    return await session.scalar(select(User.last_failed_login_at).where(User.email == email))


async def release_failure_slot(session: AsyncSession, reservation: Reservation) -> None:
    """Forget the failures when no other attempt counted since the reservation, else only it."""
    count = User.failed_logins
    await session.execute(
        update(User)
        .where(User.id == reservation.user_id)
        .values(
            failed_logins=case(
                (count <= reservation.count, 0), else_=case((count > 0, count - 1), else_=0)
            )
        )
        .execution_options(synchronize_session=False)
    )


async def add_session(
    session: AsyncSession, user_id: int, token_hash: str, kind: str, expires_at: datetime
) -> None:
    session.add(Session(user_id=user_id, token_hash=token_hash, kind=kind, expires_at=expires_at))
    await session.flush()
