"""Bundle upload: extract an archive, store its files, and create a package, in one step."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.bundles.archive import Limits, extract
from tradewind.bundles.manifest import assign, parse_manifest
from tradewind.db import Database
from tradewind.files import service as files
from tradewind.files.paths import guess_content_type
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
) -> packages.PackageView:
    """Every check that needs no storage runs before the first blob is written."""
    manifest = parse_manifest(manifest_json)
    packages.check_properties(manifest.properties)
    entries = await asyncio.to_thread(extract, archive, workdir, limits_of(settings))
    by_path = {entry.path: entry for entry in entries}
    assignment = assign(manifest, by_path.keys())
    contents = {
        path: files.Content(entry.received, guess_content_type(path))
        for path, entry in by_path.items()
    }
    blobs = await files.save_contents(
        session, db, store, settings, access.app.id, list(contents.values())
    )
    rows: dict[str, File] = {}
    for path, content in contents.items():
        blob = blobs[content.received.sha256]
        rows[path], _ = await files.record_file(
            session, principal, access.app.id, path, blob, content.content_type
        )
    layout = packages.Layout(
        index=rows[assignment.index],
        important=[rows[p] for p in assignment.important],
        lazy=[rows[p] for p in assignment.lazy],
    )
    return await packages.create_package(
        session, principal, access, layout, manifest.properties, manifest.notes, via="bundle"
    )
