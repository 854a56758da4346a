"""Deployment rules: add, rename, remove, rotate the key; defaults Staging and Production.

A deployment is a Tradewind channel (`codepush-<name>`), so CodePush releases are ordinary
releases of that channel. Renaming keeps the channel; every change bumps the application's
revision so device snapshots pick it up within a poll.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess, OrgAccess
from tradewind.audit.service import record
from tradewind.codepush import keys
from tradewind.codepush import repository as repo
from tradewind.db import save, save_deletion, save_rows
from tradewind.errors import BadRequest, Conflict, NotFound
from tradewind.keys.keyring import Keyring
from tradewind.models import Application
from tradewind.models.codepush import CodePushDeployment
from tradewind.releases.repository import bump_revision, lock_app

DEFAULT_DEPLOYMENTS = ("Staging", "Production")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}")


@dataclass(frozen=True, slots=True)
class DeploymentView:
    deployment: CodePushDeployment
    key: str | None  # None: the keyring cannot open it any more; rotate it


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.fullmatch(name):
        raise BadRequest(
            f"{name[:100]!r} is not a valid deployment name (1-100 letters, digits, space . _ -, "
            "starting with a letter or digit)",
            code="invalid_deployment_name",
        )
    return name


def channel_for(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"codepush-{slug}"[:63].rstrip("-")


async def view(keyring: Keyring, deployment: CodePushDeployment) -> DeploymentView:
    key = await keys.unseal(
        keyring, deployment.app_id, deployment.key_hash, bytes(deployment.key_sealed)
    )
    return DeploymentView(deployment, key)


async def list_deployments(
    session: AsyncSession, keyring: Keyring, app_id: int
) -> list[DeploymentView]:
    return [await view(keyring, d) for d in await repo.deployments(session, [app_id])]


async def get(session: AsyncSession, app_id: int, name: str) -> CodePushDeployment:
    deployment = await repo.deployment_by_name(session, app_id, name)
    if deployment is None:
        raise NotFound(f"deployment {name[:100]!r} not found", code="deployment_not_found")
    return deployment


async def add(
    session: AsyncSession, keyring: Keyring, principal: Principal, access: AppAccess, name: str
) -> DeploymentView:
    name = check_name(name)
    await lock_app(session, access.app.id)
    if await repo.deployment_by_name(session, access.app.id, name) is not None:
        raise Conflict(f"deployment {name!r} already exists", code="deployment_exists")
    channel = channel_for(name)
    suffix = 2
    while await repo.channel_taken(session, access.app.id, channel):
        channel = f"{channel_for(name)[:58]}-{suffix}"
        suffix += 1
    key = keys.new_key()
    deployment = CodePushDeployment(
        app_id=access.app.id,
        name=name,
        channel=channel,
        key_hash=keys.key_hash(key),
        key_sealed=await keys.seal(keyring, access.app.id, key),
    )
    try:
        await save_rows(session, deployment)
    except IntegrityError as exc:
        raise Conflict(f"deployment {name!r} already exists", code="deployment_exists") from exc
    await _audit(session, principal, access, deployment, "add")
    await bump_revision(session, access.app.id)
    return DeploymentView(deployment, key)


async def add_defaults(
    session: AsyncSession, keyring: Keyring, principal: Principal, access: AppAccess
) -> list[DeploymentView]:
    """Staging and Production, those that do not exist yet."""
    added = []
    for name in DEFAULT_DEPLOYMENTS:
        if await repo.deployment_by_name(session, access.app.id, name) is None:
            added.append(await add(session, keyring, principal, access, name))
    return added


async def rename(
    session: AsyncSession,
    keyring: Keyring,
    principal: Principal,
    access: AppAccess,
    name: str,
    new_name: str,
) -> DeploymentView:
    new_name = check_name(new_name)
    await lock_app(session, access.app.id)
    deployment = await get(session, access.app.id, name)
    other = await repo.deployment_by_name(session, access.app.id, new_name)
    if other is not None and other.id != deployment.id:
        raise Conflict(f"deployment {new_name!r} already exists", code="deployment_exists")
    deployment.name = new_name
    await save(session)
    await _audit(session, principal, access, deployment, "rename", {"from": name})
    return await view(keyring, deployment)


async def remove(session: AsyncSession, principal: Principal, access: AppAccess, name: str) -> None:
    """Devices with its key get 404 at once; its releases stay in the release history."""
    await lock_app(session, access.app.id)
    deployment = await get(session, access.app.id, name)
    await _audit(session, principal, access, deployment, "remove")
    await save_deletion(session, deployment)
    await bump_revision(session, access.app.id)


async def rotate_key(
    session: AsyncSession, keyring: Keyring, principal: Principal, access: AppAccess, name: str
) -> DeploymentView:
    """A new key; the old one stops working (404) as soon as snapshots refresh."""
    await lock_app(session, access.app.id)
    deployment = await get(session, access.app.id, name)
    key = keys.new_key()
    deployment.key_hash = keys.key_hash(key)
    deployment.key_sealed = await keys.seal(keyring, access.app.id, key)
    await save(session)
    await _audit(session, principal, access, deployment, "rotate_key")
    await bump_revision(session, access.app.id)
    return DeploymentView(deployment, key)


async def _audit(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    deployment: CodePushDeployment,
    action: str,
    details: dict[str, str] | None = None,
) -> None:
    await record(
        session,
        principal,
        f"codepush.deployment.{action}",
        "codepush_deployment",
        deployment.id,
        org_id=access.org.id,
        app_id=access.app.id,
        details={"name": deployment.name, **(details or {})},
    )


async def codepush_defaults(
    session: AsyncSession,
    keyring: Keyring,
    principal: Principal,
    access: OrgAccess,
    app: Application,
) -> None:
    """Called when an application is created: its Staging and Production deployments."""
    await add_defaults(session, keyring, principal, AppAccess(access.org, app, access.role))
