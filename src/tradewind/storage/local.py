"""Blobs as files under `<data_dir>/blobs/<key>`, served by the Tradewind server itself."""

from __future__ import annotations

import asyncio
import errno
import os
import secrets
import shutil
import stat
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from tradewind.errors import Conflict
from tradewind.storage.base import (
    READ_CHUNK_SIZE,
    Adoption,
    BlobNotFound,
    BlobStore,
    for_each_adoption,
    validate_key,
    validate_prefix,
    validate_range,
)

_LIST_BATCH = 500


class LocalBlobStore(BlobStore):
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def url_ttl_seconds(self) -> int | None:
        return None

    def local_path(self, key: str) -> Path:
        """Where `key` lives on disk (it may not exist), for zero-copy file responses."""
        return self.root / validate_key(key)

    async def put_file(
        self, key: str, path: Path, content_type: str, content_encoding: str | None = None
    ) -> None:
        target = self.local_path(key)
        await asyncio.to_thread(_atomic_copy, path, target)

    async def adopt_file(self, key: str, path: Path, content_type: str) -> None:
        target = self.local_path(key)
        await asyncio.to_thread(_atomic_move, path, target)

    async def adopt_files(self, files: Sequence[Adoption]) -> None:
        """Each file synced and renamed into place, then each directory synced once (a batch
        of an application's blobs shares one directory: one sync, not one per blob)."""
        moved = await for_each_adoption(
            files, lambda f: asyncio.to_thread(_move_unsynced, f.path, self.local_path(f.key))
        )
        for directory in {directory for directory in moved if directory is not None}:
            await asyncio.to_thread(_fsync_dir, directory)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.local_path(key).is_file)

    async def size(self, key: str) -> int:
        path = self.local_path(key)
        try:
            info = await asyncio.to_thread(path.stat)
        except (FileNotFoundError, NotADirectoryError):
            raise _not_found(key) from None
        if not stat.S_ISREG(info.st_mode):
            raise _not_found(key)
        return info.st_size

    async def delete(self, key: str) -> None:
        path = self.local_path(key)
        # Empty parent directories stay: removing them would race with a concurrent put_file.
        await asyncio.to_thread(_unlink_file, path)

    async def read_range(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        validate_range(start, end)
        fh = await asyncio.to_thread(_open_blob, self.local_path(key), key)
        try:
            await asyncio.to_thread(fh.seek, start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                want = READ_CHUNK_SIZE if remaining is None else min(READ_CHUNK_SIZE, remaining)
                chunk = await asyncio.to_thread(fh.read, want)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(fh.close)

    async def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        validate_prefix(prefix)
        directory = self.root / prefix.rpartition("/")[0]
        walker = _walk_keys(self.root, directory)
        while batch := await asyncio.to_thread(_take, walker, _LIST_BATCH):
            for key in batch:
                if key.startswith(prefix):
                    yield key

    def device_url(self, key: str, base_asset_url: str) -> str:
        return f"{base_asset_url.rstrip('/')}/{validate_key(key)}"


def _not_found(key: str) -> BlobNotFound:
    return BlobNotFound("blob not found", details={"key": key})


def _key_conflict() -> Conflict:
    return Conflict(
        "this key clashes with an existing key used as a directory (or the reverse)",
        code="blob_key_conflict",
    )


def _atomic_copy(source: Path, target: Path) -> None:
    """Copy into a hidden temp file beside `target`, fsync, then rename over it."""
    with source.open("rb") as src:  # open first: a missing source leaves nothing behind
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise _key_conflict() from None
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
        try:
            with tmp.open("xb") as dst:
                shutil.copyfileobj(src, dst, READ_CHUNK_SIZE)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(tmp, target)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            if isinstance(exc, IsADirectoryError):
                raise _key_conflict() from None
            raise
    _fsync_dir(target.parent)


def _atomic_move(source: Path, target: Path) -> None:
    if (directory := _move_unsynced(source, target)) is not None:
        _fsync_dir(directory)


def _move_unsynced(source: Path, target: Path) -> Path | None:
    """fsync the finished temporary file and rename it over `target` (no copy): the
    directory whose entry changed, still to be synced. A copy, synced, only when the
    temporary directory is on another file system (then None)."""
    fd = os.open(source, os.O_RDONLY)  # first: a missing source leaves nothing behind
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise _key_conflict() from None
    try:
        os.replace(source, target)
    except IsADirectoryError:
        raise _key_conflict() from None
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _atomic_copy(source, target)
        return None
    return target.parent


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_file(path: Path) -> None:
    if path.is_file():
        path.unlink(missing_ok=True)


def _open_blob(path: Path, key: str) -> BinaryIO:
    try:
        fh = path.open("rb")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise _not_found(key) from None
    return fh


def _walk_keys(root: Path, directory: Path) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        relative = Path(dirpath).relative_to(root).as_posix()
        for name in filenames:
            if not name.startswith("."):  # dot-names are in-flight temp files
                yield name if relative == "." else f"{relative}/{name}"


def _take(iterator: Iterator[str], count: int) -> list[str]:
    batch: list[str] = []
    for item in iterator:
        batch.append(item)
        if len(batch) >= count:
            break
    return batch
