"""Leftovers of crashed uploads are swept at start and on schedule (finding 8)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from fixtures.faults import running_app

from tradewind.outbox.leftovers import sweep_once
from tradewind.settings import Settings
from tradewind.storage import LocalBlobStore

HANG_GUARD_SECONDS = 30
SHA = "ab" * 32


def _leftovers(data_dir: Path, blob_root: Path, age: float) -> list[Path]:
    """A partial upload file and directory, and a partial blob copy, `age` seconds old."""
    tmp = data_dir / "tmp"
    (tmp / "bundle-0123456789abcdef").mkdir(parents=True)
    (tmp / "bundle-0123456789abcdef" / "0").write_bytes(b"x" * 1000)
    (tmp / "upload-fedcba9876543210").write_bytes(b"y" * 1000)
    blob_dir = blob_root / "apps" / "1" / "sha256"
    blob_dir.mkdir(parents=True)
    partial = blob_dir / f".{SHA}.0011223344556677.tmp"
    partial.write_bytes(b"z" * 1000)
    paths = [tmp / "bundle-0123456789abcdef", tmp / "upload-fedcba9876543210", partial]
    then = time.time() - age
    for path in paths:
        os.utime(path, (then, then))
    return paths


async def _until_gone(paths: list[Path]) -> None:
    """Polls the background sweep; the timeout only guards against a hang."""
    async with asyncio.timeout(HANG_GUARD_SECONDS):
        while any(await asyncio.to_thread(lambda: [p.exists() for p in paths])):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def test_start_sweeps_stale_leftovers_and_keeps_fresh_ones(settings: Settings) -> None:
    blob_root = settings.data_dir / "blobs"
    stale = _leftovers(settings.data_dir, blob_root, settings.temp_sweep_age_seconds + 60)
    fresh = settings.data_dir / "tmp" / "upload-in-progress"
    fresh.write_bytes(b"still arriving")
    async with running_app(settings) as app:
        assert isinstance(app.ctx.blob_store, LocalBlobStore)
        assert app.ctx.blob_store.root == blob_root
        await _until_gone(stale)
        assert fresh.exists()


def test_scheduled_sweep_removes_what_has_aged(settings: Settings, tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    leftovers = _leftovers(settings.data_dir, store.root, 0)
    assert sweep_once(settings, store) == 0  # fresh: maybe an upload in progress
    later = time.time() + settings.temp_sweep_age_seconds + 1
    assert sweep_once(settings, store, now=later) == 3
    assert not any(p.exists() for p in leftovers)
