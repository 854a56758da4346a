"""Streaming uploads to temporary files under `<data_dir>/tmp`, hashing while writing.

Nothing here holds a whole file in memory: each received chunk is hashed and written as it
arrives, with no copy and no thread hop.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import AsyncIterable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from tradewind.errors import PayloadTooLarge

COPY_CHUNK_SIZE = 256 * 1024


@dataclass(frozen=True, slots=True)
class Received:
    """A fully received temporary file and what was measured while writing it."""

    path: Path
    sha256: str
    size: int


def file_too_large(max_size: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the file is larger than the limit of {max_size} bytes",
        code="file_too_large",
        details={"max_size": max_size},
    )


def temp_root(data_dir: Path) -> Path:
    return data_dir / "tmp"


@contextmanager
def temp_directory(data_dir: Path, prefix: str) -> Iterator[Path]:
    """A private directory under `<data_dir>/tmp`, removed with everything in it on exit."""
    root = temp_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    directory = root / f"{prefix}-{secrets.token_hex(8)}"
    directory.mkdir()
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def temp_path(data_dir: Path, prefix: str) -> Iterator[Path]:
    """A fresh, not yet created file path under `<data_dir>/tmp`, removed on exit."""
    root = temp_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{prefix}-{secrets.token_hex(8)}"
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


class HashingWriter:
    """Writes to a file while computing its SHA-256 and size; refuses to pass `max_size`."""

    def __init__(
        self,
        fh: BinaryIO,
        max_size: int,
        too_large: Callable[[int], PayloadTooLarge] = file_too_large,
    ) -> None:
        self.fh = fh
        self.max_size = max_size
        self.too_large = too_large
        self.size = 0
        self._hash = hashlib.sha256()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.size + len(data) > self.max_size:
            raise self.too_large(self.max_size)
        self._hash.update(data)
        self.fh.write(data)
        self.size += len(data)

    def copy_from(self, source: IO[bytes]) -> None:
        while chunk := source.read(COPY_CHUNK_SIZE):
            self.write(chunk)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def copy_hashed(source: IO[bytes], target: Path, max_size: int) -> Received:
    """Copy a (decompressing) file object to `target`; synchronous, for worker threads."""
    with target.open("xb") as fh:
        writer = HashingWriter(fh, max_size)
        writer.copy_from(source)
    return Received(target, writer.hexdigest(), writer.size)


async def receive_stream(
    chunks: AsyncIterable[bytes],
    target: Path,
    max_size: int,
    too_large: Callable[[int], PayloadTooLarge] = file_too_large,
) -> Received:
    """Write an async byte stream to `target`; stops reading as soon as `max_size` is passed
    (with the error `too_large` makes).

    Each chunk (tens of KiB) is hashed and written on the event loop: a buffered write into
    the page cache costs less than handing the chunk to a worker thread and back.
    """
    with target.open("xb") as fh:
        writer = HashingWriter(fh, max_size, too_large)
        async for chunk in chunks:
            writer.write(chunk)
    return Received(target, writer.hexdigest(), writer.size)


def remove_stale(directory: Path, older_than_seconds: float, now: float) -> int:
    """Delete leftovers of crashed requests (entries of `directory` not modified recently)."""
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return 0
    for entry in entries:
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime < older_than_seconds:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
            removed += 1
        except FileNotFoundError:
            continue
    return removed
