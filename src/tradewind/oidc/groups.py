"""Group mapping: a groups claim in the Hyper OTA / Keycloak convention — `/<org>/<role>` and
`/<org>/<app>/<role>` — becomes organisation and application memberships.

Memberships created this way are marked `managed_by="oidc:<provider>"` and are brought in line
with the claim at every sign-in: added, re-roled or removed. Memberships granted by hand (or
by another provider) are never touched, and groups naming unknown organisations, applications
or roles are ignored (a provider has plenty of unrelated groups). The last owner of an
organisation is never removed or downgraded, whatever the claim says.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.roles import Role
from tradewind.audit.service import record
from tradewind.db import save
from tradewind.members import repository as members_repo
from tradewind.members.repository import Scope as MemberScope
from tradewind.models import AppMember, OrgMember, User
from tradewind.oidc import repository as repo

log = logging.getLogger("tradewind.oidc")

Scope = tuple[str, str | None]  # (organisation, application or None)
Member = OrgMember | AppMember
_ROLES = {role.value: role for role in Role}


def managed_by(provider: str) -> str:
    return f"oidc:{provider}"


def desired_roles(values: Iterable[str]) -> dict[Scope, Role]:
    """The highest role per organisation / application named by the groups."""
    wanted: dict[Scope, Role] = {}
    for value in values:
        parts = value.strip().split("/")
        if len(parts) not in (3, 4) or parts[0] != "" or not all(parts[1:]):
            continue
        role = _ROLES.get(parts[-1].lower())
        if role is None:
            continue
        scope: Scope = (parts[1], parts[2] if len(parts) == 4 else None)
        if scope not in wanted or role.rank > wanted[scope].rank:
            wanted[scope] = role
    return wanted


@dataclass
class _Sync:
    session: AsyncSession
    user: User
    source: str

    async def audit(self, action: str, member: Member, org_id: int, old: str | None) -> None:
        is_org = isinstance(member, OrgMember)
        await record(
            self.session,
            None,
            action,
            "org_member" if is_org else "app_member",
            self.user.id,
            org_id=org_id,
            app_id=None if isinstance(member, OrgMember) else member.app_id,
            from_state=old,
            to_state=None if action == "member.remove" else member.role,
            details={"email": self.user.email, "managed_by": self.source},
        )

    async def is_last_owner(self, member: Member) -> bool:
        if not isinstance(member, OrgMember) or member.role != Role.OWNER.value:
            return False
        if await members_repo.count_owners(self.session, member.org_id) > 1:
            return False
        log.warning(
            "group mapping keeps %s as owner of organisation %d: it is the last owner",
            self.user.email,
            member.org_id,
        )
        return True

    async def reconcile(
        self, existing: Sequence[Member], target: dict[int, Role], org_of: Mapping[int, int]
    ) -> set[int]:
        """Update or remove managed memberships; returns the target keys still to add."""
        missing = set(target)
        for member in existing:
            key = member.org_id if isinstance(member, OrgMember) else member.app_id
            missing.discard(key)
            role = target.get(key)
            if member.managed_by != self.source or (role is not None and role == member.role):
                continue  # granted by hand / another provider, or already right
            lowers = role is None or role.rank < Role(member.role).rank
            if lowers and await self.is_last_owner(member):
                continue
            old = member.role
            if role is None:
                await members_repo.remove_membership(self.session, member)
                await self.audit("member.remove", member, org_of[key], old)
            else:
                member.role = role.value
                await self.audit("member.change_role", member, org_of[key], old)
        return missing

    async def add(self, scope: MemberScope, role: Role) -> None:
        member = members_repo.add_member(self.session, scope, self.user.id, role, self.source)
        await self.audit("member.add", member, scope.org_id, None)


async def sync_memberships(
    session: AsyncSession, provider: str, user: User, groups: Iterable[str]
) -> None:
    """Bring the user's memberships managed by `provider` in line with `groups`."""
    wanted = desired_roles(groups)
    orgs = await repo.orgs_by_name(session, {org for org, _ in wanted})
    app_keys = {(orgs[o].id, a) for o, a in wanted if a is not None and o in orgs}
    apps = await repo.apps_by_name(session, app_keys)
    org_target: dict[int, Role] = {}
    app_target: dict[int, Role] = {}
    for (org_name, app_name), role in wanted.items():
        org = orgs.get(org_name)
        if org is not None and app_name is None:
            org_target[org.id] = role
        elif org is not None and (app := apps.get((org.id, app_name or ""))) is not None:
            app_target[app.id] = role
    sync = _Sync(session, user, managed_by(provider))

    org_members = await members_repo.org_memberships_of(session, user.id)
    identity = {m.org_id: m.org_id for m in org_members} | {k: k for k in org_target}
    for org_id in sorted(await sync.reconcile(org_members, org_target, identity)):
        await sync.add(MemberScope(org_id), org_target[org_id])

    app_members = await members_repo.app_memberships_of(session, user.id)
    app_orgs = await repo.app_org_ids(session, [m.app_id for m in app_members] + [*app_target])
    for app_id in sorted(await sync.reconcile(app_members, app_target, app_orgs)):
        await sync.add(MemberScope(app_orgs[app_id], app_id), app_target[app_id])
    await save(session)
