"""Queries for memberships at organisation and application scope.

The one repository of the membership tables (`OrgMember`, `AppMember`): every domain that
reads or writes memberships (access checks, organisations, tokens, single sign-on) comes here;
tests/architecture/test_layering.py holds other modules to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, Select, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.roles import Role
from tradewind.models import Application, AppMember, Organisation, OrgMember, User

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


def add_member(
    session: AsyncSession, scope: Scope, user_id: int, role: Role, managed_by: str | None = None
) -> Membership:
    """A new membership, written with the unit of work's next flush (`managed_by`: the
    provider that grants it)."""
    member: Membership
    if scope.app_id is None:
        member = OrgMember(
            org_id=scope.org_id, user_id=user_id, role=role.value, managed_by=managed_by
        )
    else:
        member = AppMember(
            app_id=scope.app_id, user_id=user_id, role=role.value, managed_by=managed_by
        )
    session.add(member)
    return member


async def delete_member(session: AsyncSession, scope: Scope, user_id: int) -> None:
    model = OrgMember if scope.is_org else AppMember
    await session.execute(delete(model).where(_filter(scope), model.user_id == user_id))


async def remove_membership(session: AsyncSession, member: Membership) -> None:
    """Delete a loaded membership with the unit of work's next flush."""
    await session.delete(member)


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


async def org_role(session: AsyncSession, org_id: int, user_id: int) -> Role | None:
    role = await session.scalar(
        select(OrgMember.role).where(OrgMember.org_id == org_id, OrgMember.user_id == user_id)
    )
    return Role(role) if role else None


async def roles_on_app(
    session: AsyncSession, org_id: int, app_id: int, user_id: int
) -> tuple[Role | None, Role | None]:
    """The user's role on the organisation and on the application, in one query."""
    on_org = select(OrgMember.role).where(OrgMember.org_id == org_id, OrgMember.user_id == user_id)
    on_app = select(AppMember.role).where(AppMember.app_id == app_id, AppMember.user_id == user_id)
    row = (await session.execute(select(on_org.scalar_subquery(), on_app.scalar_subquery()))).one()
    return (Role(row[0]) if row[0] else None, Role(row[1]) if row[1] else None)


def _app_memberships_in_org(org_id: int, user_id: int) -> Select[str]:
    return (
        select(AppMember.role)
        .join(Application, Application.id == AppMember.app_id)
        .where(Application.org_id == org_id, AppMember.user_id == user_id)
    )


async def app_roles_in_org(session: AsyncSession, org_id: int, user_id: int) -> list[str]:
    """The user's roles on the organisation's applications (one per application)."""
    return list(await session.scalars(_app_memberships_in_org(org_id, user_id)))


async def has_app_role_in_org(session: AsyncSession, org_id: int, user_id: int) -> bool:
    found = await session.scalar(_app_memberships_in_org(org_id, user_id).limit(1))
    return found is not None


async def org_memberships_of(session: AsyncSession, user_id: int) -> list[OrgMember]:
    return list(await session.scalars(select(OrgMember).where(OrgMember.user_id == user_id)))


async def app_memberships_of(session: AsyncSession, user_id: int) -> list[AppMember]:
    return list(await session.scalars(select(AppMember).where(AppMember.user_id == user_id)))


def is_member_of_org(user_id: int) -> ColumnElement[bool]:
    """A filter on `Organisation`: the user belongs to it, directly or through one of its
    applications."""
    direct = select(OrgMember.org_id).where(OrgMember.user_id == user_id)
    via_app = (
        select(Application.org_id)
        .join(AppMember, AppMember.app_id == Application.id)
        .where(AppMember.user_id == user_id)
    )
    return or_(Organisation.id.in_(direct), Organisation.id.in_(via_app))


async def apps_of_member(session: AsyncSession, org_id: int, user_id: int) -> list[Application]:
    """The organisation's applications the user is a direct member of, by name."""
    query = (
        select(Application)
        .join(AppMember, AppMember.app_id == Application.id)
        .where(Application.org_id == org_id, AppMember.user_id == user_id)
        .order_by(Application.name)
    )
    return list(await session.scalars(query))
