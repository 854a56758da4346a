"""Leftovers of crashed or abandoned requests: partial uploads under `<data_dir>/tmp` and
partial blob copies (`.<name>.<random>.tmp`) in the local blob store.

Swept once at start and then every `temp_sweep_interval_seconds`. Only entries untouched for
`temp_sweep_age_seconds` go: an upload in progress keeps writing to its file (refreshing its
modification time), so the age is one of inactivity, not of the upload's total duration.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from pathlib import Path

from tradewind.files.receive import remove_stale, temp_root
from tradewind.settings import Settings
from tradewind.storage import BlobStore, LocalBlobStore

log = logging.getLogger("tradewind.outbox")

PARTIAL_BLOB = re.compile(r"\..+\.[0-9a-f]{16}\.tmp")


def remove_partial_blobs(root: Path, older_than_seconds: float, now: float) -> int:
    """Delete `_atomic_copy` temp files that a crash left beside the blobs."""
    removed = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if not PARTIAL_BLOB.fullmatch(name):
                continue
            path = os.path.join(dirpath, name)
            try:
                if now - os.stat(path).st_mtime >= older_than_seconds:
                    os.unlink(path)
                    removed += 1
            except FileNotFoundError:
                continue
    return removed


def sweep_once(settings: Settings, store: BlobStore, now: float | None = None) -> int:
    """Remove stale leftovers now (synchronous: run in a worker thread)."""
    now = time.time() if now is None else now
    age = settings.temp_sweep_age_seconds
    removed = remove_stale(temp_root(settings.data_dir), age, now)
    if isinstance(store, LocalBlobStore):
        removed += remove_partial_blobs(store.root, age, now)
    if removed:
        log.info("removed %d leftover temporary file(s) of interrupted uploads", removed)
    return removed


async def run_sweeps(settings: Settings, store: BlobStore) -> None:
    """The background loop: a sweep at start, then one per interval; never dies."""
    while True:
        try:
            await asyncio.to_thread(sweep_once, settings, store)
        except OSError as exc:
            log.warning("sweeping leftover temporary files failed: %s", exc)
        await asyncio.sleep(settings.temp_sweep_interval_seconds)
