"""Diff zips, built once in the background after a release, stored as blobs.

For each new CodePush release, a diff from each of the (up to) DIFF_PACKAGE_COUNT most recent
earlier packages of the same deployment: `hotcodepush.json` ({"deletedFiles": [...]}) plus the
new or changed files. A release is claimed (diffs_built = true) before its diffs are built, so
two processes never build the same one; a process that dies meanwhile leaves that release
without diffs, and devices get its full zip (always correct, only larger).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from tradewind.codepush import repository as repo
from tradewind.codepush.package import diff_entries, write_diff_zip
from tradewind.codepush.publish import Storage, store_files
from tradewind.db_faults import is_unavailable
from tradewind.errors import ServiceUnavailable
from tradewind.files.receive import temp_directory
from tradewind.releases.repository import bump_revision
from tradewind.storage import BlobStore

log = logging.getLogger("tradewind.codepush")

DIFF_PACKAGE_COUNT = 5
BATCH = 10


async def build_pending(storage: Storage) -> int:
    """Build the diffs of every release still waiting for them; how many releases were done."""
    async with storage.db.sessions() as session:
        pending = await repo.pending_diffs(session, BATCH)
    done = 0
    for release_id in pending:
        async with storage.db.unit_of_work() as session:
            claimed = await repo.claim_diffs(session, release_id)
        if not claimed:
            continue
        try:
            await _build(storage, release_id)
        except Exception:
            async with storage.db.unit_of_work() as session:
                await repo.unclaim_diffs(session, release_id)  # the next round retries it
            raise
        done += 1
    return done


async def _build(storage: Storage, release_id: int) -> None:
    async with storage.db.unit_of_work() as session:
        found = await repo.release_with_deployment(session, release_id)
        if found is None:
            return
        release, deployment = found
        rows = await repo.history(session, [deployment.id])
        older = _bases(rows, release.label_number, release.package_hash)
        new_manifest: dict[str, str] = dict(release.manifest)
        keys = await repo.blob_keys(session, deployment.app_id, set(new_manifest.values()))
        with temp_directory(storage.settings.data_dir, "codepush-diff") as tmp:
            zips = []
            for base in older:
                deleted, changed = diff_entries(dict(base.cp.manifest), new_manifest)
                files = {
                    p: await _fetch(storage.store, keys[new_manifest[p]], tmp) for p in changed
                }
                target = tmp / f"diff-{base.cp.label_number}.zip"
                await asyncio.to_thread(write_diff_zip, target, deleted, files)
                zips.append(target)
            # Blobs first, rows after: on SQLite a write would lock out the outbox's connection.
            blobs = await store_files(session, storage, deployment.app_id, zips)
        for base, blob in zip(older, blobs, strict=True):
            await repo.add_diff(session, release_id, base.cp.package_hash, blob)
        await bump_revision(session, deployment.app_id)


def _bases(rows: list[repo.HistoryRow], label_number: int, own_hash: str) -> list[repo.HistoryRow]:
    """The most recent earlier releases with distinct packages other than this one."""
    seen: set[str] = {own_hash}
    bases = []
    for row in reversed(rows):
        if row.cp.label_number >= label_number or row.cp.package_hash in seen:
            continue
        seen.add(row.cp.package_hash)
        bases.append(row)
        if len(bases) == DIFF_PACKAGE_COUNT:
            break
    return bases


async def _fetch(store: BlobStore, key: str, tmp: Path) -> Path:
    target = tmp / key.replace("/", "_")
    if not target.exists():
        with target.open("wb") as sink:
            async for chunk in store.read_range(key):
                sink.write(chunk)
    return target


async def run_builder(storage: Storage, interval: float) -> None:
    while True:
        try:
            await build_pending(storage)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # keep the loop alive; the next round retries
            if isinstance(exc, ServiceUnavailable) or is_unavailable(exc):
                log.warning("codepush diff build postponed: %s", type(exc).__name__)
            else:
                log.exception("codepush diff build failed")
        await asyncio.sleep(interval)
