"""CodePush releases as Tradewind releases: release a zip, promote, roll back.

Every CodePush release is an ordinary release of the deployment's channel (binary-version
range, mandatory flag, rollout, notes = description) plus a label, the package hash and the
full zip. The first release of a deployment goes to everyone at once (Tradewind's rule for a
channel's first release); later ones start at their rollout and conclude at 100 %.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.bundles.archive import extract
from tradewind.bundles.service import limits_of
from tradewind.codepush import repository as repo
from tradewind.codepush.deployments import get as get_deployment
from tradewind.codepush.package import ignored, package_hash, write_zip
from tradewind.db import Database, save_rows
from tradewind.errors import BadRequest, Conflict, NotFound
from tradewind.files import service as files
from tradewind.files.paths import guess_content_type
from tradewind.files.receive import Received
from tradewind.models import Blob, Release
from tradewind.models.codepush import CodePushDeployment, CodePushRelease
from tradewind.packages import service as packages
from tradewind.releases import service as releases
from tradewind.releases.content import binary_range
from tradewind.releases.repository import bump_revision
from tradewind.releases.schemas import ReleaseCreate
from tradewind.settings import Settings
from tradewind.storage import BlobStore

ZIP_TYPE = "application/zip"
BUNDLE_SUFFIXES = (".bundle", ".jsbundle", ".js")


@dataclass(frozen=True, slots=True)
class Options:
    target_binary: str | None = None  # None on promote: keep the source's range
    mandatory: bool | None = None
    disabled: bool = False
    rollout: Decimal = Decimal(100)
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Storage:
    db: Database
    store: BlobStore
    settings: Settings


def check_rollout(rollout: Decimal) -> Decimal:
    if not Decimal(1) <= rollout <= Decimal(100):
        raise BadRequest("rollout must be between 1 and 100", code="invalid_rollout")
    return rollout


async def release_zip(
    session: AsyncSession,
    storage: Storage,
    principal: Principal,
    access: AppAccess,
    deployment_name: str,
    archive: Path,
    workdir: Path,
    options: Options,
) -> CodePushRelease:
    """Store the archive's files, the package, the full zip and a new labelled release."""
    deployment = await get_deployment(session, access.app.id, deployment_name)
    target = binary_range(options.target_binary or "")
    if target is None:
        raise BadRequest(
            "a target binary version range is required", code="invalid_binary_version_range"
        )
    check_rollout(options.rollout)
    limits = limits_of(storage.settings)
    extracted = workdir / "files"
    extracted.mkdir()
    entries = await asyncio.to_thread(extract, archive, extracted, limits)
    kept = {e.path: e.received for e in entries if not ignored(e.path)}
    if not kept:
        raise BadRequest("the archive holds no files", code="empty_package")
    manifest = {path: received.sha256 for path, received in kept.items()}
    digest = package_hash(manifest)
    await _reject_identical(session, deployment, digest, target)
    full_zip = workdir / "package.zip"
    await asyncio.to_thread(write_zip, full_zip, {p: r.path for p, r in kept.items()})
    # Every blob is written before the first row: on SQLite a write would lock out the
    # cleanup outbox's own connection.
    zip_received = await asyncio.to_thread(measure, full_zip)
    contents = {p: files.Content(r, guess_content_type(p)) for p, r in kept.items()}
    blobs = await files.save_contents(
        session,
        storage.db,
        storage.store,
        storage.settings,
        access.app.id,
        [*contents.values(), files.Content(zip_received, ZIP_TYPE)],
    )
    package_version = await _store_package(session, principal, access, contents, blobs, options)
    return await _publish(
        session,
        principal,
        access,
        deployment,
        package_version,
        options,
        target,
        digest,
        manifest,
        blobs[zip_received.sha256].id,
    )


async def _store_package(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    contents: dict[str, files.Content],
    blobs: dict[str, Blob],
    options: Options,
) -> int:
    rows = {}
    for path, content in contents.items():
        blob = blobs[content.received.sha256]
        rows[path], _ = await files.record_file(
            session, principal, access.app.id, path, blob, content.content_type
        )
    index = _index_path(sorted(rows))
    layout = packages.Layout(
        index=rows[index], important=[rows[p] for p in sorted(rows) if p != index], lazy=[]
    )
    view = await packages.create_package(
        session, principal, access, layout, {}, options.description or "", via="codepush"
    )
    return view.package.version


def _index_path(paths: list[str]) -> str:
    """The JS bundle (by its suffix) else the first file: the package's entry point."""
    for suffix in BUNDLE_SUFFIXES:
        for path in paths:
            if path.endswith(suffix):
                return path
    return paths[0]


async def store_files(
    session: AsyncSession, storage: Storage, app_id: int, paths: list[Path]
) -> list[Blob]:
    """Zips built here, stored as content-addressed blobs of the application."""
    received = [await asyncio.to_thread(measure, path) for path in paths]
    blobs = await files.save_contents(
        session,
        storage.db,
        storage.store,
        storage.settings,
        app_id,
        [files.Content(r, ZIP_TYPE) for r in received],
    )
    return [blobs[r.sha256] for r in received]


def measure(path: Path) -> Received:
    import hashlib

    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return Received(path=path, sha256=digest.hexdigest(), size=size)


async def _reject_identical(
    session: AsyncSession, deployment: CodePushDeployment, digest: str, target: str
) -> None:
    latest = await repo.latest(session, deployment.id)
    if (
        latest is not None
        and latest.cp.package_hash == digest
        and (latest.release.binary_version_range == target)
    ):
        raise Conflict(
            "the package is identical to the deployment's latest release (same contents, same "
            "target binary range)",
            code="codepush_identical_release",
            details={"label": f"v{latest.cp.label_number}"},
        )


async def _publish(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    deployment: CodePushDeployment,
    package_version: int,
    options: Options,
    target: str,
    digest: str,
    manifest: dict[str, str],
    zip_blob_id: int,
) -> CodePushRelease:
    body = ReleaseCreate(
        package_version=package_version,
        channel=deployment.channel,
        binary_version_range=target,
        mandatory=bool(options.mandatory),
        percentage=options.rollout,
        notes=options.description or "",
    )
    release = await releases.create_release(session, principal, access, body)
    await _start(session, principal, access, release, options.rollout)
    number = await repo.last_label(session, deployment.id) + 1
    cp = CodePushRelease(
        release_id=release.id,
        deployment_id=deployment.id,
        label_number=number,
        package_hash=digest,
        manifest=manifest,
        zip_blob_id=zip_blob_id,
        description=options.description or "",
        is_disabled=options.disabled,
        diffs_built=False,
    )
    await save_rows(session, cp)
    await bump_revision(session, access.app.id)
    return cp


async def _start(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    release: Release,
    rollout: Decimal,
) -> None:
    """Ramp a new release to its rollout; at 100 % it concludes (the new baseline)."""
    if release.status == "concluded":
        return
    await releases.transition(session, principal, access, release.id, "ramp", rollout)
    if rollout >= 100:
        await releases.transition(session, principal, access, release.id, "conclude")


async def promote(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    source_name: str,
    target_name: str,
    options: Options,
) -> CodePushRelease:
    """The source deployment's latest release, as a new label of the target deployment."""
    source = await get_deployment(session, access.app.id, source_name)
    target = await get_deployment(session, access.app.id, target_name)
    if source.id == target.id:
        raise BadRequest("promote to another deployment", code="invalid_promotion")
    latest = await repo.latest(session, source.id)
    if latest is None:
        raise NotFound(f"deployment {source.name!r} has no release", code="codepush_no_release")
    check_rollout(options.rollout)
    target_range = binary_range(options.target_binary) or latest.release.binary_version_range or "*"
    await _reject_identical(session, target, latest.cp.package_hash, target_range)
    merged = Options(
        target_binary=target_range,
        mandatory=latest.release.mandatory if options.mandatory is None else options.mandatory,
        disabled=options.disabled,
        rollout=options.rollout,
        description=latest.cp.description if options.description is None else options.description,
    )
    package_version = await _package_version(session, latest.release)
    return await _publish(
        session,
        principal,
        access,
        target,
        package_version,
        merged,
        target_range,
        latest.cp.package_hash,
        dict(latest.cp.manifest),
        latest.cp.zip_blob_id,
    )


async def _package_version(session: AsyncSession, release: Release) -> int:
    from tradewind.packages.repository import by_ids

    found = await by_ids(session, [release.package_id])
    return found[release.package_id].version


async def rollback(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    deployment_name: str,
    target_label: str | None,
) -> CodePushRelease:
    """The previous release (or `target_label`) served again to everyone, as a new label."""
    deployment = await get_deployment(session, access.app.id, deployment_name)
    history = await repo.history(session, [deployment.id])
    if len(history) < 2:
        raise Conflict("there is no earlier release to roll back to", code="codepush_no_rollback")
    latest = history[-1]
    source = history[-2] if target_label is None else _by_label(history, target_label)
    if source.cp.package_hash == latest.cp.package_hash:
        raise Conflict(
            "that release has the same contents as the latest one", code="codepush_no_rollback"
        )
    release = await releases.rollback(
        session, principal, access, source.release.id, f"Rollback to v{source.cp.label_number}"
    )
    number = await repo.last_label(session, deployment.id) + 1
    cp = CodePushRelease(
        release_id=release.id,
        deployment_id=deployment.id,
        label_number=number,
        package_hash=source.cp.package_hash,
        manifest=dict(source.cp.manifest),
        zip_blob_id=source.cp.zip_blob_id,
        description=source.cp.description,
        is_disabled=False,
        diffs_built=False,
    )
    await save_rows(session, cp)
    await bump_revision(session, access.app.id)
    return cp


def _by_label(history: list[repo.HistoryRow], label: str) -> repo.HistoryRow:
    for row in history:
        if f"v{row.cp.label_number}" == label:
            return row
    raise NotFound(
        f"release {label[:20]!r} not found in this deployment", code="codepush_label_not_found"
    )
