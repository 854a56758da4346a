"""Publishing Expo updates: one package per platform from an `npx expo export` output, and
optionally one release per platform; and releases that roll devices back to the embedded
update. All on the one release model: a platform and a runtime version are targeting
dimensions (`expo-platform`, `expo-runtime-version`), a channel is a release channel."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.db import Database
from tradewind.dimensions import repository as dimensions_repo
from tradewind.dimensions import service as dimensions
from tradewind.errors import BadRequest, NotFound
from tradewind.expo import manifest as docs
from tradewind.expo.export import PlatformExport, parse_metadata, runtime_version_of
from tradewind.expo.schemas import (
    EmbeddedRollbackIn,
    ExpoPackageOut,
    ExpoPublish,
    ExpoReleaseIn,
)
from tradewind.expo.snapshot import PLATFORM_DIMENSION, RUNTIME_DIMENSION
from tradewind.files import service as files
from tradewind.files.paths import normalise_path
from tradewind.files.receive import Received, temp_directory
from tradewind.files.schemas import FileRef
from tradewind.keys import service as keys_service
from tradewind.keys.signing import RSA_SHA256
from tradewind.models import File, Package, Release, SigningKey
from tradewind.packages import service as packages
from tradewind.packages.schemas import FileSpec
from tradewind.releases import service as releases
from tradewind.releases.schemas import ConditionIn, ReleaseCreate
from tradewind.settings import Settings
from tradewind.storage import BlobStore

DIMENSION_DESCRIPTIONS = {
    PLATFORM_DIMENSION: "Expo Updates: the expo-platform a device sends (android, ios)",
    RUNTIME_DIMENSION: "Expo Updates: the expo-runtime-version a device sends",
}


async def publish(
    session: AsyncSession, principal: Principal, access: AppAccess, body: ExpoPublish
) -> list[ExpoPackageOut]:
    """One package per exported platform (and a release of each when asked), all or none."""
    exports = parse_metadata(body.metadata, list(body.platforms or []))
    pins = {normalise_path(pin.path): pin.sha256 for pin in body.files}
    runtimes = {e.platform: _runtime_version(body, e.platform) for e in exports}
    if body.release is not None:
        await ensure_dimensions(session, principal, access)
    results = []
    for export in exports:
        runtime = runtimes[export.platform]
        layout = await packages.resolve_layout(
            session, access.app.id, _spec(export.bundle, pins), _asset_specs(export, pins), []
        )
        properties = _properties(docs.KIND_UPDATE, export.platform, runtime, export, body)
        view = await packages.create_package(
            session, principal, access, layout, properties, body.notes, via="expo"
        )
        results.append(
            await _released(
                session, principal, access, view.package, export.platform, runtime, body.release
            )
        )
    return results


async def rollback_to_embedded(
    session: AsyncSession,
    db: Database,
    store: BlobStore,
    settings: Settings,
    principal: Principal,
    access: AppAccess,
    body: EmbeddedRollbackIn,
) -> list[ExpoPackageOut]:
    """A release per platform whose devices get `rollBackToEmbedded` (its package holds only
    a small JSON file describing it, so it is a package like any other)."""
    platforms = sorted(set(body.platforms))
    # Stored first: a new blob is registered in the cleanup outbox in a transaction of its
    # own, which SQLite cannot run while this unit of work holds the write lock.
    markers = await _marker_files(
        session, db, store, settings, principal, access, platforms, body.runtime_version
    )
    await ensure_dimensions(session, principal, access)
    results = []
    for platform in platforms:
        layout = packages.Layout(index=markers[platform], important=[], lazy=[])
        properties = _properties(docs.KIND_EMBEDDED, platform, body.runtime_version, None, None)
        notes = body.release.notes or f"Roll back to the embedded update ({platform})"
        view = await packages.create_package(
            session, principal, access, layout, properties, notes, via="expo"
        )
        results.append(
            await _released(
                session,
                principal,
                access,
                view.package,
                platform,
                body.runtime_version,
                body.release,
            )
        )
    return results


async def certificate(session: AsyncSession, app_id: int, key_id: str | None) -> SigningKey:
    """The RSA key whose certificate apps embed (`updates.codeSigningCertificate`): `key_id`,
    else the application's default RSA key."""
    keys = [
        key
        for key in await keys_service.list_signing_keys(session, app_id)
        if key.algorithm == RSA_SHA256 and not key.disabled and key.certificate_pem
    ]
    if key_id is not None:
        keys = [key for key in keys if key.key_id == key_id]
    keys.sort(key=lambda key: not key.is_default)
    if not keys:
        raise NotFound(
            "this application has no enabled RSA signing key"
            + ("" if key_id is None else f" {key_id!r}"),
            code="signing_key_not_found",
        )
    return keys[0]


async def ensure_dimensions(session: AsyncSession, principal: Principal, access: AppAccess) -> None:
    """Create the two Expo targeting dimensions on first use."""
    for name, description in DIMENSION_DESCRIPTIONS.items():
        if await dimensions_repo.by_name(session, access.app.id, name) is None:
            await dimensions.create_dimension(
                session, principal, access, name, "string", None, description
            )


def _runtime_version(body: ExpoPublish, platform: str) -> str:
    runtime = body.runtime_version or runtime_version_of(body.expo_config, platform)
    if runtime is None:
        raise BadRequest(
            "no runtime version: pass runtime_version, or an expo_config whose runtimeVersion "
            "is a string or the appVersion policy",
            code="runtime_version_required",
            details={"platform": platform},
        )
    if len(runtime) > 256 or not runtime.isprintable():
        raise BadRequest("invalid runtime version", code="invalid_runtime_version")
    return runtime


def _spec(path: str, pins: Mapping[str, str]) -> FileSpec:
    sha = pins.get(path)
    return path if sha is None else FileRef(path=path, sha256=sha)


def _asset_specs(export: PlatformExport, pins: Mapping[str, str]) -> list[FileSpec]:
    return [_spec(asset.path, pins) for asset in export.assets]


def _properties(
    kind: str,
    platform: str,
    runtime: str,
    export: PlatformExport | None,
    body: ExpoPublish | None,
) -> dict[str, Any]:
    expo: dict[str, Any] = {"kind": kind, "platform": platform, "runtime_version": runtime}
    if export is not None:
        expo["assets"] = [{"path": a.path, "ext": a.ext} for a in export.assets]
    if body is not None and body.expo_config is not None:
        expo["expo_config"] = body.expo_config
    return {"expo": expo}


async def _released(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    package: Package,
    platform: str,
    runtime: str,
    release_in: ExpoReleaseIn | None,
) -> ExpoPackageOut:
    release = None
    if release_in is not None:
        release = await _release(session, principal, access, package, platform, runtime, release_in)
    return ExpoPackageOut(
        platform=platform,
        runtime_version=runtime,
        package_version=package.version,
        release_id=None if release is None else release.id,
        release_status=None if release is None else release.status,
        update_id=None
        if release is None
        else docs.update_id(access.app.id, release.id, release.created_at),
    )


async def _release(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    package: Package,
    platform: str,
    runtime: str,
    release_in: ExpoReleaseIn,
) -> Release:
    """Create, then ramp (and at 100 %, conclude) like any release."""
    body = ReleaseCreate(
        package_version=package.version,
        target=[
            ConditionIn(dimension=PLATFORM_DIMENSION, op="eq", values=[platform]),
            ConditionIn(dimension=RUNTIME_DIMENSION, op="eq", values=[runtime]),
        ],
        channel=release_in.channel,
        percentage=release_in.percentage,
        notes=release_in.notes,
    )
    release = await releases.create_release(session, principal, access, body)
    if release.status != "created":
        return release  # the channel's first release: concluded at once
    release = await releases.transition(
        session, principal, access, release.id, "ramp", release_in.percentage
    )
    if release_in.percentage >= Decimal(100):
        release = await releases.transition(session, principal, access, release.id, "conclude")
    return release


async def _marker_files(
    session: AsyncSession,
    db: Database,
    store: BlobStore,
    settings: Settings,
    principal: Principal,
    access: AppAccess,
    platforms: Sequence[str],
    runtime: str,
) -> dict[str, File]:
    """One small JSON file per platform naming what its package does, all stored at once."""
    found = {}
    with temp_directory(settings.data_dir, "expo") as tmp:
        contents: dict[str, files.Content] = {}
        for platform in platforms:
            data = json.dumps(
                {"expo": "rollBackToEmbedded", "platform": platform, "runtime_version": runtime},
                sort_keys=True,
            ).encode()
            path = tmp / f"{platform}.json"
            path.write_bytes(data)
            received = Received(path, hashlib.sha256(data).hexdigest(), len(data))
            contents[platform] = files.Content(received, "application/json")
        blobs = await files.save_contents(
            session, db, store, settings, access.app.id, list(contents.values())
        )
        for platform, content in contents.items():
            found[platform], _ = await files.record_file(
                session,
                principal,
                access.app.id,
                f"expo-embedded/{platform}.json",
                blobs[content.received.sha256],
                content.content_type,
            )
    return found
