"""The background compressor: brotli and gzip variants of every compressible blob.

Durability comes from the database, not from the upload request: a new blob row has
`encodings` NULL, and the loop compresses every such blob, so work interrupted by a crash or
a restart (or blobs uploaded before this feature) is picked up by a later sweep.

Writing the variants and recording them happen under the blob key's lock (the one the
cleanup drain takes), after checking that the blob row still exists: a variant is never
written for a blob the drain has deleted, and the drain deletes variants with their blob.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from tradewind.compression import repository as repo
from tradewind.compression.compress import (
    compress_file,
    looks_incompressible,
    lower_thread_priority,
)
from tradewind.compression.variants import (
    CODINGS,
    Coding,
    format_encodings,
    is_compressible,
    variant_key,
    worth_keeping,
)
from tradewind.db import Database
from tradewind.files.activity import UploadActivity
from tradewind.files.receive import temp_directory
from tradewind.outbox.repository import lock_keys
from tradewind.outbox.service import backoff_seconds
from tradewind.settings import Settings
from tradewind.storage import BlobStore

log = logging.getLogger("tradewind.compression")

BATCH_SIZE = 20
# Compressing waits while uploads are in flight in this process (its reads, temporary files and
# transactions would slow them down), but never longer than this per blob, so that a server
# that is never free of uploads still compresses.
MAX_WAIT_FOR_UPLOADS_SECONDS = 30.0
# One thread per process at a lower priority: on a busy machine requests get the CPU first.
_compressing = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="tradewind-compress", initializer=lower_thread_priority
)


_T = TypeVar("_T")


async def _in_background_thread(function: Callable[..., _T], *args: object) -> _T:
    return await asyncio.get_running_loop().run_in_executor(_compressing, function, *args)


@dataclass
class CompressResult:
    compressed: int = 0  # at least one variant stored
    unchanged: int = 0  # not compressible, or no variant small enough: marked done
    gone: int = 0  # deleted meanwhile, or done by another worker
    failed: list[int] = field(default_factory=list)  # blob ids to retry later

    @property
    def processed(self) -> int:
        return self.compressed + self.unchanged + self.gone + len(self.failed)


async def compress_once(
    db: Database,
    store: BlobStore,
    settings: Settings,
    batch_size: int = BATCH_SIZE,
    exclude: frozenset[int] = frozenset(),
    uploads: UploadActivity | None = None,
) -> CompressResult:
    """Compress up to `batch_size` blobs that have not been looked at yet, each once no
    upload is in flight (or `MAX_WAIT_FOR_UPLOADS_SECONDS` passed)."""
    async with db.sessions() as session:
        blobs = await repo.pending(session, batch_size, exclude)
    result = CompressResult()
    for blob in blobs:
        if uploads is not None:
            await uploads.quiet(MAX_WAIT_FOR_UPLOADS_SECONDS)
        try:
            outcome = await _compress_blob(db, store, settings, blob)
        except Exception as exc:  # storage or database failure: try again later
            log.warning("compressing %s failed: %s", blob.storage_key, exc)
            result.failed.append(blob.id)
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


async def _compress_blob(
    db: Database, store: BlobStore, settings: Settings, blob: repo.PendingBlob
) -> str:
    if not is_compressible(blob.content_type):
        return await _record(db, store, blob, {})
    with temp_directory(settings.data_dir, "compress") as work:
        original = work / "original"
        await _download(store, blob.storage_key, original)
        if await _in_background_thread(looks_incompressible, original, blob.size):
            return await _record(db, store, blob, {})
        kept: dict[Coding, Path] = {}
        for coding in CODINGS:
            target = work / coding
            size = await _in_background_thread(
                compress_file, original, target, coding, settings.compression_brotli_quality
            )
            if worth_keeping(blob.size, size):
                kept[coding] = target
        return await _record(db, store, blob, kept)


async def _download(store: BlobStore, key: str, target: Path) -> None:
    fh = await asyncio.to_thread(target.open, "xb")
    try:
        async for chunk in store.read_range(key):
            await asyncio.to_thread(fh.write, chunk)
    finally:
        await asyncio.to_thread(fh.close)


async def _record(
    db: Database, store: BlobStore, blob: repo.PendingBlob, variants: dict[Coding, Path]
) -> str:
    async with db.unit_of_work() as session:
        await lock_keys(session, [blob.storage_key])
        # First write of the transaction: on SQLite it takes the write lock.
        if not await repo.mark(session, blob.id, format_encodings(list(variants))):
            return "gone"
        for coding, path in variants.items():
            key = variant_key(blob.storage_key, coding)
            await store.put_file(key, path, blob.content_type, content_encoding=coding)
    return "compressed" if variants else "unchanged"


async def run_compressor(
    db: Database, store: BlobStore, settings: Settings, uploads: UploadActivity
) -> None:
    """The background loop: sleep, compress (repeating while batches are full); never dies.

    A blob that fails is retried with the cleanup drain's backoff (interval, doubling, capped
    at `outbox_max_backoff_seconds`), counted in this process, so one broken blob cannot hold
    back the others; a restart retries it at once.
    """
    failures: dict[int, int] = {}
    retry_at: dict[int, float] = {}
    while True:
        await asyncio.sleep(settings.outbox_interval_seconds)
        now = time.monotonic()
        retry_at = {blob_id: at for blob_id, at in retry_at.items() if at > now}
        result = CompressResult(gone=BATCH_SIZE)
        while result.processed >= BATCH_SIZE:
            try:
                result = await compress_once(
                    db, store, settings, exclude=frozenset(retry_at), uploads=uploads
                )
            except Exception:
                log.exception("compressing blobs failed")
                break
            for blob_id in result.failed:
                failures[blob_id] = failures.get(blob_id, 0) + 1
                retry_at[blob_id] = now + backoff_seconds(settings, failures[blob_id])
