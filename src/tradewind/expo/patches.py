"""bsdiff patches between launch assets, made once per (base, target) pair in the background.

A request for a pair that is not ready starts its generation and gets the full bundle; the
patch is stored in blob storage (so other processes and restarts reuse it instead of diffing
again) and kept in memory for serving. A patch that saves too little is remembered as not
worth it, and the full bundle is always served for that pair.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import bsdiff4

from tradewind.expo.snapshot import Bundle
from tradewind.storage.base import BlobNotFound, BlobStore

log = logging.getLogger("tradewind.expo")

# A patch is served only when it is at most this fraction of the full bundle.
WORTH_RATIO = 0.7
# bsdiff needs memory proportional to both inputs; larger bundles are always sent whole.
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
MEMORY_BUDGET_BYTES = 64 * 1024 * 1024
NOT_WORTH = b""  # remembered in memory: serve the full bundle for this pair


def patch_key(app_id: int, base_sha256: str, target_sha256: str) -> str:
    return f"apps/{app_id}/bsdiff/{base_sha256}-{target_sha256}"


@dataclass
class PatchCache:
    blobs: BlobStore
    tmp_dir: Path
    _ready: OrderedDict[tuple[str, str], bytes] = field(default_factory=OrderedDict)
    _held_bytes: int = 0
    _pending: dict[tuple[str, str], asyncio.Task[None]] = field(default_factory=dict)
    _cpu: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))

    def get(self, app_id: int, base: Bundle, target: Bundle) -> bytes | None:
        """The patch if it is ready and worth sending; else start making it, return None."""
        pair = (base.sha256, target.sha256)
        found = self._ready.get(pair)
        if found is not None:
            self._ready.move_to_end(pair)
            return found or None
        if pair not in self._pending and max(base.size, target.size) <= MAX_BUNDLE_BYTES:
            task = asyncio.get_running_loop().create_task(self._make(app_id, base, target))
            self._pending[pair] = task
            task.add_done_callback(lambda _: self._pending.pop(pair, None))
        return None

    async def drain(self) -> None:
        """Wait for every patch being made (tests; shutdown)."""
        while self._pending:
            await asyncio.gather(*self._pending.values(), return_exceptions=True)

    async def _make(self, app_id: int, base: Bundle, target: Bundle) -> None:
        key = patch_key(app_id, base.sha256, target.sha256)
        try:
            if await self.blobs.exists(key):
                patch = await self._read(key)
            else:
                patch = await self._diff(key, base, target)
        except BlobNotFound:
            log.warning("bsdiff %s: a bundle is missing from storage", key)
            return
        except Exception:  # a failed patch only means devices download the full bundle
            log.exception("bsdiff %s failed", key)
            return
        worth = len(patch) <= target.size * WORTH_RATIO
        self._keep((base.sha256, target.sha256), patch if worth else NOT_WORTH)

    async def _diff(self, key: str, base: Bundle, target: Bundle) -> bytes:
        old = await self._read(base.storage_key)
        new = await self._read(target.storage_key)
        async with self._cpu:
            patch: bytes = await asyncio.to_thread(bsdiff4.diff, old, new)
        await self._store(key, patch)
        log.info("bsdiff %s: %d bytes for a %d-byte bundle", key, len(patch), len(new))
        return patch

    async def _read(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.blobs.read_range(key)])

    async def _store(self, key: str, patch: bytes) -> None:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp_dir, prefix="bsdiff-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(patch)
            await self.blobs.put_file(key, Path(name), "application/octet-stream")
        finally:
            os.unlink(name)

    def _keep(self, pair: tuple[str, str], patch: bytes) -> None:
        self._ready[pair] = patch
        self._held_bytes += len(patch)
        while self._held_bytes > MEMORY_BUDGET_BYTES and len(self._ready) > 1:
            _, dropped = self._ready.popitem(last=False)
            self._held_bytes -= len(dropped)
