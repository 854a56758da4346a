"""Shared helpers for the storage tests."""

from __future__ import annotations

import random
from pathlib import Path

from tradewind.storage import BlobStore


def payload(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


def source_file(directory: Path, data: bytes, name: str = "upload.bin") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(data)
    return path


async def read_all(store: BlobStore, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in store.read_range(key, start, end)])


async def all_keys(store: BlobStore, prefix: str = "") -> set[str]:
    return {key async for key in store.list_keys(prefix)}
