"""Queries for memberships at organisation and application scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.roles import Role
from tradewind.models import AppMember, Organisation, OrgMember, User

Membership = OrgMember | AppMember


@dataclass(frozen=True, slots=True)
class Scope:
    """An organisation (app_id None) or one of its applications."""

    org_id: int
    app_id: int | None = None

    @property
    def is_org(self) -> bool:
        return self.app_id is None


def _filter(scope: Scope) -> ColumnElement[bool]:
    if scope.app_id is None:
        return OrgMember.org_id == scope.org_id
    return AppMember.app_id == scope.app_id


async def list_members(session: AsyncSession, scope: Scope) -> list[tuple[Membership, User]]:
    model: type[OrgMember] | type[AppMember] = OrgMember if scope.is_org else AppMember
    query = (
        select(model, User)
        .join(User, User.id == model.user_id)
        .where(_filter(scope))
        .order_by(User.email)
    )
    rows = await session.execute(query)
    return [(cast(Membership, member), user) for member, user in rows]


async def get_member(session: AsyncSession, scope: Scope, user_id: int) -> Membership | None:
    if scope.app_id is None:
        return await session.get(OrgMember, (scope.org_id, user_id))
    return await session.get(AppMember, (scope.app_id, user_id))


def new_member(scope: Scope, user_id: int, role: Role) -> Membership:
    if scope.app_id is None:
        return OrgMember(org_id=scope.org_id, user_id=user_id, role=role.value)
    return AppMember(app_id=scope.app_id, user_id=user_id, role=role.value)


async def delete_member(session: AsyncSession, scope: Scope, user_id: int) -> None:
    model = OrgMember if scope.is_org else AppMember
    await session.execute(delete(model).where(_filter(scope), model.user_id == user_id))


async def lock_org(session: AsyncSession, org_id: int) -> None:
    """Serialise membership changes of one organisation (PostgreSQL row lock; SQLite
    serialises writers by itself), so two owners cannot demote each other at once."""
    await session.execute(
        select(Organisation.id).where(Organisation.id == org_id).with_for_update()
    )


async def count_owners(session: AsyncSession, org_id: int) -> int:
    query = select(func.count()).where(
        OrgMember.org_id == org_id, OrgMember.role == Role.OWNER.value
    )
    return int(await session.scalar(query) or 0)
