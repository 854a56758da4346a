"""Organisations and applications: creation, visibility, updates and deletion."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access import repository as access_repo
from tradewind.access.principal import Principal
from tradewind.access.roles import Role
from tradewind.access.service import AppAccess, OrgAccess, app_role, org_role
from tradewind.audit.service import record
from tradewind.db import save, save_rows
from tradewind.errors import Conflict, Forbidden
from tradewind.files import service as files
from tradewind.members import repository as members_repo
from tradewind.members.repository import Scope
from tradewind.models import Application, Organisation
from tradewind.models.orgs import new_ingest_key
from tradewind.orgs import repository as repo
from tradewind.settings import Settings


async def create_org(
    session: AsyncSession, settings: Settings, principal: Principal, name: str, display_name: str
) -> Organisation:
    if settings.org_creation == "site_admins" and not principal.is_site_admin:
        raise Forbidden(
            "only site administrators may create organisations", code="org_creation_restricted"
        )
    if principal.token is not None and (principal.token.org_id or principal.token.app_id):
        raise Forbidden(
            "a restricted API token cannot create organisations", code="token_restricted"
        )
    if await access_repo.org_by_name(session, name):
        raise Conflict(f"organisation '{name}' already exists", code="organisation_exists")
    org = Organisation(name=name, display_name=display_name or name)
    await _unique(
        save_rows(session, org), f"organisation '{name}' already exists", "organisation_exists"
    )
    members_repo.add_member(session, Scope(org.id), principal.user_id, Role.OWNER)
    await record(session, principal, "org.create", "organisation", org.id, org_id=org.id)
    return org


async def _unique(write: Awaitable[None], message: str, code: str) -> None:
    """Run a write that flushes, turning a unique-constraint race into a clean 409."""
    try:
        await write
    except IntegrityError as exc:
        raise Conflict(message, code=code) from exc


async def list_orgs(session: AsyncSession, principal: Principal) -> list[Organisation]:
    return await repo.visible_orgs(session, principal)


async def update_org(
    session: AsyncSession, principal: Principal, access: OrgAccess, display_name: str
) -> Organisation:
    access.org.display_name = display_name or access.org.name
    await record(
        session, principal, "org.update", "organisation", access.org.id, org_id=access.org.id
    )
    await save(session)
    return access.org


async def delete_org(session: AsyncSession, principal: Principal, access: OrgAccess) -> None:
    await record(
        session,
        principal,
        "org.delete",
        "organisation",
        access.org.id,
        details={"name": access.org.name},
    )
    apps = await repo.apps_of_org(session, access.org.id)
    # Before the blob rows cascade away: their keys become garbage when this commits.
    await files.prepare_app_deletion(session, [a.id for a in apps], "org_deleted")
    await repo.delete_org(session, access.org.id)


async def create_app(
    session: AsyncSession,
    principal: Principal,
    access: OrgAccess,
    name: str,
    display_name: str,
    identifier_dimension: str | None,
    channel_dimension: str | None = None,
) -> Application:
    org = access.org
    if await access_repo.app_by_name(session, org.id, name):
        raise Conflict(
            f"application '{name}' already exists in '{org.name}'", code="application_exists"
        )
    app = Application(
        org_id=org.id,
        name=name,
        display_name=display_name or name,
        identifier_dimension=identifier_dimension,
        channel_dimension=channel_dimension,
        revision=0,
        last_package_version=0,
    )
    await _unique(
        save_rows(session, app), f"application '{name}' already exists", "application_exists"
    )
    await record(
        session, principal, "app.create", "application", app.id, org_id=org.id, app_id=app.id
    )
    return app


async def list_apps(
    session: AsyncSession, principal: Principal, org: Organisation
) -> list[Application]:
    """Org-level members see every application; app-level members only their own."""
    if await org_role(session, principal, org) is not None:
        return await repo.apps_of_org(session, org.id)
    token = principal.token
    if token is not None and token.app_id is not None:
        # A token limited to one application lists that application only.
        app = await access_repo.app_by_id(session, token.app_id)
        if app is None or app.org_id != org.id:
            return []
        return [app] if await app_role(session, principal, org, app) is not None else []
    return await members_repo.apps_of_member(session, org.id, principal.user_id)


async def update_app(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    changes: dict[str, Any],
) -> Application:
    app = access.app
    changes = {k: v for k, v in changes.items() if k != "ingest_keyless" or v is not None}
    if "ingest_keyless" in changes:
        app.ingest_keyless = changes["ingest_keyless"]
    if "display_name" in changes:
        app.display_name = changes["display_name"] or app.name
    if "identifier_dimension" in changes:
        app.identifier_dimension = changes["identifier_dimension"]
        app.revision += 1  # devices are bucketed differently from now on
    if "channel_dimension" in changes:
        app.channel_dimension = changes["channel_dimension"]
        app.revision += 1  # devices may follow another channel from now on
    await record(
        session,
        principal,
        "app.update",
        "application",
        app.id,
        org_id=access.org.id,
        app_id=app.id,
        details={"changed": sorted(changes)},
    )
    await save(session)
    return app


async def rotate_ingest_key(
    session: AsyncSession, principal: Principal, access: AppAccess
) -> Application:
    """A new ingest key; the old one stops working as soon as the snapshots refresh."""
    app = access.app
    app.ingest_key = new_ingest_key()
    await record(
        session,
        principal,
        "app.rotate_ingest_key",
        "application",
        app.id,
        org_id=access.org.id,
        app_id=app.id,
    )
    await save(session)
    return app


async def delete_app(session: AsyncSession, principal: Principal, access: AppAccess) -> None:
    await record(
        session,
        principal,
        "app.delete",
        "application",
        access.app.id,
        org_id=access.org.id,
        details={"name": access.app.name},
    )
    await files.prepare_app_deletion(session, [access.app.id], "app_deleted")
    await repo.delete_app(session, access.app.id)
