"""Bundle upload: extract an archive, store its files, and create a package, in one step."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.bundles.archive import Entry, Limits, extract
from tradewind.bundles.manifest import archive_root, assign, parse_manifest
from tradewind.db import Database
from tradewind.errors import BadRequest
from tradewind.files import service as files
from tradewind.files.paths import guess_content_type
from tradewind.keys.uploads import check_package_signature
from tradewind.models import File
from tradewind.packages import service as packages
from tradewind.settings import Settings
from tradewind.storage import BlobStore


def limits_of(settings: Settings) -> Limits:
    return Limits(
        max_entries=settings.max_archive_entries,
        max_total_size=settings.max_archive_total_size,
        max_ratio=settings.max_archive_ratio,
        max_file_size=settings.max_file_size,
    )


async def upload_bundle(
    session: AsyncSession,
    db: Database,
    store: BlobStore,
    settings: Settings,
    principal: Principal,
    access: AppAccess,
    archive: Path,
    manifest_json: bytes,
    workdir: Path,
) -> tuple[packages.PackageView, bool]:
    """The package made, or with `reuse_identical` the identical one found (then True).
    Every check that needs no storage runs before the first blob is written."""
    manifest = parse_manifest(manifest_json)
    packages.check_properties(manifest.properties)
    entries = await asyncio.to_thread(extract, archive, workdir, limits_of(settings))
    by_path = {entry.path: entry for entry in entries}
    if root := archive_root(manifest, by_path.keys()):
        by_path = {path.removeprefix(root): entry for path, entry in by_path.items()}
    assignment = assign(manifest, by_path.keys())
    # Refused before anything is stored; create_package checks the stored rows again.
    await check_package_signature(
        session,
        access,
        (
            (assignment.index, by_path[assignment.index].received.sha256),
            [(p, by_path[p].received.sha256) for p in assignment.important],
            [(p, by_path[p].received.sha256) for p in assignment.lazy],
        ),
        manifest.properties,
        manifest.signature,
    )
    rows, _ = await _store_entries(session, db, store, settings, principal, access, by_path)
    layout = packages.Layout(
        index=rows[assignment.index],
        important=[rows[p] for p in assignment.important],
        lazy=[rows[p] for p in assignment.lazy],
    )
    if manifest.reuse_identical:
        found = await packages.find_identical(session, access, layout, manifest.properties)
        if found is not None:
            return found, True
    made = await packages.create_package(
        session,
        principal,
        access,
        layout,
        manifest.properties,
        manifest.notes,
        via="bundle",
        signature=manifest.signature,
    )
    return made, False


async def _store_entries(
    session: AsyncSession,
    db: Database,
    store: BlobStore,
    settings: Settings,
    principal: Principal,
    access: AppAccess,
    by_path: dict[str, Entry],
) -> tuple[dict[str, File], set[str]]:
    """A file row for each extracted entry, by path, and the paths whose rows are new."""
    contents = {
        path: files.Content(entry.received, guess_content_type(path))
        for path, entry in by_path.items()
    }
    blobs = await files.save_contents(
        session, db, store, settings, access.app.id, list(contents.values())
    )
    specs = [
        files.FileSpec(path, blobs[content.received.sha256], content.content_type)
        for path, content in contents.items()
    ]
    by_key, created = await files.record_files(session, principal, access.app.id, specs)
    rows = {spec.path: by_key[(spec.path, spec.blob.sha256)] for spec in specs}
    return rows, {path for path, _ in created}


async def upload_files_archive(
    session: AsyncSession,
    db: Database,
    store: BlobStore,
    settings: Settings,
    principal: Principal,
    access: AppAccess,
    archive: Path,
    workdir: Path,
) -> list[tuple[File, bool]]:
    """Every file of the archive at its own path, in one unit of work (no package):
    each row with whether this call created it, in the archive's order."""
    entries = await asyncio.to_thread(extract, archive, workdir, limits_of(settings))
    if not entries:
        raise BadRequest("the archive holds no file", code="empty_package")
    by_path = {entry.path: entry for entry in entries}
    rows, created = await _store_entries(session, db, store, settings, principal, access, by_path)
    return [(rows[path], path in created) for path in by_path]
