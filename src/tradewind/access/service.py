"""Authorisation: the effective role of a principal on an organisation or application.

Objects the caller may not see at all raise NotFound, so existence never leaks across
tenants; objects it may see but not change raise Forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access import repository as repo
from tradewind.access.principal import Principal
from tradewind.access.roles import Role, highest, lowest
from tradewind.errors import Forbidden, NotFound
from tradewind.members import repository as members_repo
from tradewind.models import Application, Organisation


@dataclass(frozen=True, slots=True)
class OrgAccess:
    org: Organisation
    role: Role


@dataclass(frozen=True, slots=True)
class AppAccess:
    org: Organisation
    app: Application
    role: Role


def _cap_by_token(
    principal: Principal, role: Role | None, org_id: int, app_id: int | None
) -> Role | None:
    token = principal.token
    if token is None or role is None:
        return role
    if token.org_id is not None and token.org_id != org_id:
        return None
    if token.app_id is not None and token.app_id != app_id:
        return None
    return lowest(role, token.max_role) if token.max_role else role


async def org_role(session: AsyncSession, principal: Principal, org: Organisation) -> Role | None:
    role = Role.OWNER if principal.is_site_admin else None
    role = highest(role, await members_repo.org_role(session, org.id, principal.user_id))
    return _cap_by_token(principal, role, org.id, None)


async def app_role(
    session: AsyncSession, principal: Principal, org: Organisation, app: Application
) -> Role | None:
    role = Role.OWNER if principal.is_site_admin else None
    on_org, on_app = await members_repo.roles_on_app(session, org.id, app.id, principal.user_id)
    role = highest(role, on_org, on_app)
    return _cap_by_token(principal, role, org.id, app.id)


def _check(role: Role | None, needed: Role, what: str, name: str) -> Role:
    if role is None:
        raise NotFound(f"{what} '{name}' not found", code=f"{what}_not_found")
    if not role.at_least(needed):
        raise Forbidden(
            f"this action needs the '{needed}' role; you have '{role}'",
            code="insufficient_role",
            details={"needed": str(needed), "have": str(role)},
        )
    return role


async def can_see_org(session: AsyncSession, principal: Principal, org: Organisation) -> bool:
    """Org-level members, and members of any of its applications, know the org exists."""
    if await org_role(session, principal, org) is not None:
        return True
    token = principal.token
    if token is not None and token.org_id not in (None, org.id):
        return False
    if token is not None and token.app_id is not None:
        # A token limited to one application sees the org through that application only.
        app = await repo.app_by_id(session, token.app_id)
        return app is not None and await app_role(session, principal, org, app) is not None
    return await members_repo.has_app_role_in_org(session, org.id, principal.user_id)


async def require_org_visible(
    session: AsyncSession, principal: Principal, org_name: str
) -> Organisation:
    """The organisation, if the caller may know it exists (any role on it or on one of its
    applications); lists under it filter what the caller sees."""
    org = await repo.org_by_name(session, org_name)
    if org is None or not await can_see_org(session, principal, org):
        raise NotFound(f"organisation '{org_name}' not found", code="organisation_not_found")
    return org


async def require_org(
    session: AsyncSession, principal: Principal, org_name: str, needed: Role
) -> OrgAccess:
    org = await repo.org_by_name(session, org_name)
    role = await org_role(session, principal, org) if org else None
    _check(role, needed, "organisation", org_name)
    assert org is not None and role is not None
    return OrgAccess(org=org, role=role)


async def require_app(
    session: AsyncSession, principal: Principal, org_name: str, app_name: str, needed: Role
) -> AppAccess:
    org, app = await repo.org_and_app_by_name(session, org_name, app_name)
    if org is None:
        raise NotFound(f"organisation '{org_name}' not found", code="organisation_not_found")
    role = await app_role(session, principal, org, app) if app else None
    if role is None and not await can_see_org(session, principal, org):
        raise NotFound(f"organisation '{org_name}' not found", code="organisation_not_found")
    _check(role, needed, "application", app_name)
    assert app is not None and role is not None
    return AppAccess(org=org, app=app, role=role)
