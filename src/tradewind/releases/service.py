"""Release rules: creation, editing, the lifecycle transitions and rollback.

Every write first locks the application row, so the checks below (first release of a channel,
one unfinished release per target, superseding the previous baseline) cannot race each other;
the partial unique index on unfinished targets backs the rule up in the database. Every change
to what devices may be served bumps the application's revision in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.audit.service import Actor, record
from tradewind.db import save_rows
from tradewind.errors import BadRequest, Conflict, NotFound
from tradewind.models import Package, Release
from tradewind.models.base import utcnow
from tradewind.packages import repository as packages_repo
from tradewind.releases import changes, content, lifecycle, variants
from tradewind.releases import repository as repo
from tradewind.releases.lifecycle import Action
from tradewind.releases.schemas import (
    ReleaseCreate,
    ReleaseUpdate,
    ResourceIn,
    ResourceRef,
)
from tradewind.remoteconfig import service as properties_service
from tradewind.remoteconfig.loading import load_schema
from tradewind.targeting.bucket import BUCKETS


async def get_release(session: AsyncSession, app_id: int, release_id: int) -> Release:
    release = await repo.release_by_id(session, app_id, release_id, fresh=True)
    if release is None:
        raise NotFound(f"release {release_id} not found", code="release_not_found")
    return release


async def create_release(
    session: AsyncSession, principal: Principal, access: AppAccess, body: ReleaseCreate
) -> Release:
    """A new release; the first one of its channel is concluded at once, for everyone."""
    app = await repo.lock_app(session, access.app.id)
    target = await content.validated_target(session, app.id, content.from_wire(body.target))
    package = await _package_for_create(session, app.id, body, target)
    config = await changes.config_for_create(session, app.id, body, target.key)
    await properties_service.check_release_properties(session, app.id, config.properties)
    bp = content.rollout_bp(body.percentage)
    binary_range = content.binary_range(body.binary_version_range)
    resource_ids = await content.resource_files(session, app.id, package, body.resources)
    first = not await repo.channel_has_releases(session, app.id, body.channel)
    if not first:
        await _ensure_target_free(session, app.id, body.channel, target, None)
    if body.variants is not None:
        variants.checked_shares(body.variants)
        if first:
            raise BadRequest(
                "the first release of a channel goes live for everyone at once: an experiment "
                "needs a baseline to roll out against",
                code="invalid_variants",
                details={"problem": "first_release"},
            )
    release = Release(
        app_id=app.id,
        package_id=package.id,
        boot_timeout=config.boot_timeout,
        release_config_timeout=config.release_config_timeout,
        config_properties=config.properties,
        package_properties=_package_properties(body.package_properties, package),
        target=target.conditions,
        target_key=target.key,
        channel=body.channel,
        binary_version_range=binary_range,
        mandatory=body.mandatory,
        status="created",
        rollout_bp=bp,
        notes=body.notes,
        created_by=principal.user_id,
    )
    if first:
        _mark_concluded(release)
    await _save(session, release)
    await repo.set_resources(session, release.id, resource_ids)
    details: dict[str, Any] = {"package_version": package.version, "first_release": first}
    if body.variants is not None:
        schema = await load_schema(session, app.id)
        made = await variants.create_variants(session, release, body.variants, schema)
        details["variants"] = {v.variant_name: v.id for v in made}
    await _audit(session, principal, access, release, "create", None, release.status, details)
    if first:
        await repo.bump_revision(session, app.id)
    return release


async def update_release(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    release_id: int,
    body: ReleaseUpdate,
) -> Release:
    """Edit a release that has not been ramped yet; absent fields are kept."""
    app = await repo.lock_app(session, access.app.id)
    release = await get_release(session, app.id, release_id)
    lifecycle.check_editable(release.status)
    if await repo.variants_of(session, [release.id]):
        raise Conflict(
            "an experiment cannot be edited (its variants copy its content): discard it and "
            "create it again",
            code="release_not_editable",
            details={"status": release.status, "experiment": True},
        )
    changed = body.model_fields_set
    package = await _package_after_update(session, release, body.package_version)
    if body.config is not None and body.config.properties is not None:
        await properties_service.check_release_properties(session, app.id, body.config.properties)
    if body.package_version is not None or body.package_properties is not None:
        release.package_properties = _package_properties(body.package_properties, package)
    target = content.Target(release.target, release.target_key)
    if body.target is not None:
        target = await content.validated_target(session, app.id, content.from_wire(body.target))
    channel = body.channel or release.channel
    if {"target", "channel"} & changed:
        await _ensure_target_free(session, app.id, channel, target, release.id)
    release.target, release.target_key, release.channel = target.conditions, target.key, channel
    if body.resources is not None or "package_version" in changed:
        refs = (
            body.resources if body.resources is not None else await _current_refs(session, release)
        )
        file_ids = await content.resource_files(session, app.id, package, refs)
        await repo.set_resources(session, release.id, file_ids)
    _apply_scalars(release, body)
    await _save(session, release)
    details = {"changed": sorted(changed)}
    await _audit(session, principal, access, release, "update", "created", "created", details)
    return release


async def transition(
    session: AsyncSession,
    principal: Actor,
    access: AppAccess,
    release_id: int,
    action: Action,
    percentage: Decimal | None = None,
    details: dict[str, Any] | None = None,
) -> Release:
    """ramp / pause / resume / conclude / discard, as allowed by `lifecycle.TRANSITIONS`.

    `principal` may be a part of the server (the rollout guard); `details` go to the audit event.
    """
    app = await repo.lock_app(session, access.app.id)
    release = await get_release(session, app.id, release_id)
    from_state = release.status
    to_state = lifecycle.next_status(from_state, action)
    if action == "conclude" and await repo.variants_of(session, [release.id]):
        raise Conflict(
            "an experiment concludes with one of its variants: "
            "POST .../releases/{id}/variants/{name}/conclude",
            code="experiment_running",
            details={"release_id": release.id},
        )
    if action == "ramp":
        if percentage is not None:
            release.rollout_bp = content.rollout_bp(percentage)
        release.started_at = release.started_at or utcnow()
    release.status = to_state
    if action == "conclude":
        _mark_concluded(release)
    await _save(session, release)
    await _audit(session, principal, access, release, action, from_state, to_state, details)
    if action == "conclude":
        await _supersede_older(session, principal, access, release)
    if lifecycle.is_live(from_state) or lifecycle.is_live(to_state):
        await repo.bump_revision(session, app.id)
    return release


async def rollback(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    release_id: int,
    notes: str | None,
) -> Release:
    """Serve an earlier release's content again, as a new concluded release of its target.

    An unfinished release of the same target and channel is discarded: after a rollback, every
    device of that target gets the restored content.
    """
    app = await repo.lock_app(session, access.app.id)
    source = await get_release(session, app.id, release_id)
    lifecycle.next_status(source.status, "rollback")
    await properties_service.check_release_properties(session, app.id, source.config_properties)
    target = await content.validated_target(session, app.id, content.conditions_of(source.target))
    pending = await repo.unfinished_with_target(session, app.id, source.channel, target.key, None)
    if pending is not None:
        await _discard_for_rollback(session, principal, access, pending, source.id)
    release = _copy_for_rollback(source, principal, notes)
    await _save(session, release)
    await repo.set_resources(session, release.id, await repo.resource_file_ids(session, source.id))
    details = {"rolled_back_from_id": source.id}
    await _audit(session, principal, access, release, "rollback", None, "concluded", details)
    await _supersede_older(session, principal, access, release)
    await repo.bump_revision(session, app.id)
    return release


async def rollback_to_previous(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    release_id: int,
    notes: str | None,
) -> Release:
    """Undo a concluded release in one step: roll back to the release it replaced."""
    current = await get_release(session, access.app.id, release_id)
    if current.status != "concluded":
        raise Conflict(
            f"only a concluded release can be rolled back to its previous release; this one is "
            f"{current.status}",
            code="invalid_transition",
            details={"from": current.status, "action": "rollback_previous"},
        )
    previous = await changes.replaced_by(session, current)
    if previous is None or previous.target_key != current.target_key:
        raise Conflict(
            f"release {current.id} replaced no earlier release of its exact target: there is "
            "nothing to roll back to (retire it to serve its devices the less specific release)",
            code="no_previous_release",
            details={"release_id": current.id},
        )
    return await rollback(session, principal, access, previous.id, notes)


async def _package_for_create(
    session: AsyncSession, app_id: int, body: ReleaseCreate, target: content.Target
) -> Package:
    if body.package_version is not None:
        return await content.package_for(session, app_id, body.package_version)
    return await content.baseline_package(session, app_id, body.channel, target.key)


def _package_properties(given: dict[str, Any] | None, package: Package) -> dict[str, Any]:
    """What devices get as package.properties: the release's own, or else the package's."""
    return dict(package.properties) if given is None else given


def _mark_concluded(release: Release) -> None:
    now = utcnow()
    release.status = "concluded"
    release.rollout_bp = BUCKETS
    release.started_at = release.started_at or now
    release.concluded_at = now


def _copy_for_rollback(source: Release, principal: Principal, notes: str | None) -> Release:
    release = Release(
        app_id=source.app_id,
        package_id=source.package_id,
        boot_timeout=source.boot_timeout,
        release_config_timeout=source.release_config_timeout,
        config_properties=source.config_properties,
        package_properties=source.package_properties,
        target=source.target,
        target_key=source.target_key,
        channel=source.channel,
        binary_version_range=source.binary_version_range,
        mandatory=source.mandatory,
        notes=notes if notes is not None else f"Rollback to release {source.id}",
        rolled_back_from_id=source.id,
        created_by=principal.user_id,
    )
    _mark_concluded(release)
    return release


async def _discard_for_rollback(
    session: AsyncSession, principal: Principal, access: AppAccess, release: Release, to_id: int
) -> None:
    from_state = release.status
    release.status = lifecycle.next_status(from_state, "discard")
    details = {"reason": f"rollback to release {to_id}"}
    await _audit(session, principal, access, release, "discard", from_state, "discarded", details)


async def _supersede_older(
    session: AsyncSession, principal: Actor, access: AppAccess, release: Release
) -> None:
    """The newest concluded release of a target is its baseline; older ones retire."""
    older = await repo.concluded_with_target(
        session, release.app_id, release.channel, release.target_key, release.id
    )
    for previous in older:
        previous.status = "superseded"
        details = {"superseded_by": release.id}
        await _audit(
            session, principal, access, previous, "supersede", "concluded", "superseded", details
        )


async def _ensure_target_free(
    session: AsyncSession,
    app_id: int,
    channel: str,
    target: content.Target,
    exclude_id: int | None,
) -> None:
    existing = await repo.unfinished_with_target(session, app_id, channel, target.key, exclude_id)
    if existing is not None:
        raise _conflict(existing.id, channel)


def _conflict(existing_id: int | None, channel: str) -> Conflict:
    details: dict[str, Any] = {"channel": channel}
    if existing_id is not None:
        details["release_id"] = existing_id
    return Conflict(
        "another unfinished release (created, in progress or paused) has exactly this target "
        "on this channel; conclude or discard it first",
        code="release_conflict",
        details=details,
    )


async def _save(session: AsyncSession, release: Release) -> None:
    """Write the release now; a concurrent release of the same target that won the race
    becomes a 409."""
    try:
        await save_rows(session, release)
    except IntegrityError as exc:
        raise _conflict(None, release.channel) from exc


async def _package_after_update(
    session: AsyncSession, release: Release, version: int | None
) -> Package:
    if version is not None:
        package = await content.package_for(session, release.app_id, version)
        release.package_id = package.id
        return package
    return (await packages_repo.by_ids(session, [release.package_id]))[release.package_id]


async def _current_refs(session: AsyncSession, release: Release) -> Sequence[ResourceIn]:
    ids = await repo.resource_file_ids(session, release.id)
    stored = await repo.stored_files_by_id(session, ids)
    return [ResourceRef(path=s.file.path, sha256=s.file.sha256) for s in stored.values()]


def _apply_scalars(release: Release, body: ReleaseUpdate) -> None:
    changed = body.model_fields_set
    if body.config is not None:
        if body.config.boot_timeout is not None:
            release.boot_timeout = body.config.boot_timeout
        if body.config.release_config_timeout is not None:
            release.release_config_timeout = body.config.release_config_timeout
        if body.config.properties is not None:
            release.config_properties = body.config.properties
    if body.percentage is not None:
        release.rollout_bp = content.rollout_bp(body.percentage)
    if body.notes is not None:
        release.notes = body.notes
    if "binary_version_range" in changed:
        release.binary_version_range = content.binary_range(body.binary_version_range)
    if body.mandatory is not None:
        release.mandatory = body.mandatory


async def _audit(
    session: AsyncSession,
    principal: Actor,
    access: AppAccess,
    release: Release,
    action: str,
    from_state: str | None,
    to_state: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    await record(
        session,
        principal,
        f"release.{action}",
        "release",
        release.id,
        org_id=access.org.id,
        app_id=access.app.id,
        from_state=from_state,
        to_state=to_state,
        details={**(details or {}), "percentage": release.rollout_bp / 100},
    )
