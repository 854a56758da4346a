"""Membership rules: who may add, change and remove members, and the last-owner rule.

`admin` manages members; only an `owner` grants, changes or removes the owner role; an
organisation always keeps at least one owner. Application memberships stop at `admin`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.roles import Role
from tradewind.access.service import AppAccess, OrgAccess
from tradewind.accounts import repository as accounts_repo
from tradewind.accounts.service import normalise_email
from tradewind.audit.service import record
from tradewind.db import save
from tradewind.errors import BadRequest, Conflict, Forbidden, NotFound
from tradewind.members import repository as repo
from tradewind.members.repository import Membership, Scope
from tradewind.members.schemas import MemberOut
from tradewind.models import User


def _member(membership: Membership, user: User) -> MemberOut:
    return MemberOut(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=Role(membership.role),
        managed_by=membership.managed_by,
        created_at=membership.created_at,
    )


@dataclass(frozen=True, slots=True)
class _Target:
    """The organisation or application whose members change, and the caller's role there."""

    access: OrgAccess | AppAccess

    @property
    def scope(self) -> Scope:
        app = self.access.app if isinstance(self.access, AppAccess) else None
        return Scope(self.access.org.id, app.id if app else None)

    @property
    def label(self) -> str:
        if isinstance(self.access, AppAccess):
            return f"application '{self.access.org.name}/{self.access.app.name}'"
        return f"organisation '{self.access.org.name}'"

    @property
    def object_type(self) -> str:
        return "org_member" if self.scope.is_org else "app_member"


async def list_members(session: AsyncSession, access: OrgAccess | AppAccess) -> list[MemberOut]:
    rows = await repo.list_members(session, _Target(access).scope)
    return [_member(membership, user) for membership, user in rows]


def _check_owner_change(target: _Target, *roles: Role) -> None:
    if Role.OWNER in roles and target.access.role != Role.OWNER:
        raise Forbidden(
            "only an owner may grant, change or remove the owner role",
            code="insufficient_role",
            details={"needed": Role.OWNER.value, "have": target.access.role.value},
        )


def _check_role_allowed(target: _Target, role: Role) -> None:
    if role == Role.OWNER and not target.scope.is_org:
        raise BadRequest(
            "applications have no owners; use read, write or admin", code="invalid_role"
        )


def check_grant(access: OrgAccess | AppAccess, role: Role) -> None:
    """Whether the caller may grant `role` here (also used by invitations)."""
    target = _Target(access)
    _check_role_allowed(target, role)
    _check_owner_change(target, role)


async def _check_not_last_owner(session: AsyncSession, target: _Target, email: str) -> None:
    if await repo.count_owners(session, target.scope.org_id) <= 1:
        raise Conflict(
            f"{email} is the last owner of {target.label}; make another member an owner "
            "first (or delete the organisation)",
            code="last_owner",
        )


async def _find(session: AsyncSession, target: _Target, email: str) -> tuple[Membership, User]:
    not_found = NotFound(f"{email} is not a member of {target.label}", code="member_not_found")
    try:
        email = normalise_email(email)
    except BadRequest:
        raise not_found from None
    await repo.lock_org(session, target.scope.org_id)
    user = await accounts_repo.user_by_email(session, email)
    membership = await repo.get_member(session, target.scope, user.id) if user else None
    if user is None or membership is None:
        raise not_found
    return membership, user


async def _audit(
    session: AsyncSession,
    principal: Principal,
    target: _Target,
    action: str,
    user: User,
    from_role: str | None,
    to_role: str | None,
) -> None:
    scope = target.scope
    await record(
        session,
        principal,
        action,
        target.object_type,
        user.id,
        org_id=scope.org_id,
        app_id=scope.app_id,
        from_state=from_role,
        to_state=to_role,
        details={"email": user.email},
    )


async def add_member(
    session: AsyncSession,
    principal: Principal,
    access: OrgAccess | AppAccess,
    email: str,
    role: Role,
) -> MemberOut:
    target = _Target(access)
    _check_role_allowed(target, role)
    _check_owner_change(target, role)
    email = normalise_email(email)
    await repo.lock_org(session, target.scope.org_id)
    user = await accounts_repo.user_by_email(session, email)
    if user is None:
        raise NotFound(f"no user with email {email}", code="user_not_found")
    if await repo.get_member(session, target.scope, user.id) is not None:
        raise Conflict(f"{email} is already a member of {target.label}", code="member_exists")
    membership = repo.add_member(session, target.scope, user.id, role)
    await save(session)
    await _audit(session, principal, target, "member.add", user, None, role.value)
    return _member(membership, user)


async def change_member(
    session: AsyncSession,
    principal: Principal,
    access: OrgAccess | AppAccess,
    email: str,
    role: Role,
) -> MemberOut:
    target = _Target(access)
    _check_role_allowed(target, role)
    membership, user = await _find(session, target, email)
    old = Role(membership.role)
    if old == role:
        return _member(membership, user)
    _check_owner_change(target, old, role)
    if old == Role.OWNER:
        await _check_not_last_owner(session, target, user.email)
    membership.role = role.value
    await save(session)
    await _audit(session, principal, target, "member.change_role", user, old.value, role.value)
    return _member(membership, user)


async def remove_member(
    session: AsyncSession, principal: Principal, access: OrgAccess | AppAccess, email: str
) -> None:
    target = _Target(access)
    membership, user = await _find(session, target, email)
    old = Role(membership.role)
    _check_owner_change(target, old)
    await _remove(session, principal, target, membership, user, "member.remove")


async def leave(session: AsyncSession, principal: Principal, access: OrgAccess | AppAccess) -> None:
    """The caller gives up their own direct membership (any role may leave)."""
    target = _Target(access)
    membership, user = await _find(session, target, principal.email)
    await _remove(session, principal, target, membership, user, "member.leave")


async def _remove(
    session: AsyncSession,
    principal: Principal,
    target: _Target,
    membership: Membership,
    user: User,
    action: str,
) -> None:
    if membership.role == Role.OWNER.value:
        await _check_not_last_owner(session, target, user.email)
    await repo.delete_member(session, target.scope, user.id)
    await _audit(session, principal, target, action, user, membership.role, None)
