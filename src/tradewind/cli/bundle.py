"""A bundle directory on disk: its files, their roles in a package, and their SHA-256.

Files are sorted by tradewind.layout: the same rule (and error codes) as the server's bundle
upload, so the same globs give the same package.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tradewind import layout
from tradewind.cli.errors import UsageProblem

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class LocalFile:
    path: str  # relative, '/'-separated, NFC: the path inside the application
    disk: Path
    size: int
    sha256: str = ""


@dataclass(frozen=True)
class Layout:
    index: LocalFile
    important: list[LocalFile]
    lazy: list[LocalFile]

    @property
    def files(self) -> list[LocalFile]:
        return [self.index, *self.important, *self.lazy]


def scan(root: Path) -> list[LocalFile]:
    """Every regular file under `root` (symlinked files followed, symlinked dirs not), sorted."""
    if not root.is_dir():
        raise UsageProblem("not_a_directory", f"{root} is not a directory")
    found = []
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        for name in names:
            disk = Path(directory, name)
            if disk.is_file():
                relative = disk.relative_to(root).as_posix()
                found.append(
                    LocalFile(unicodedata.normalize("NFC", relative), disk, disk.stat().st_size)
                )
    if not found:
        raise UsageProblem("empty_directory", f"{root} contains no files")
    return sorted(found, key=lambda f: f.path)


def classify(
    files: Sequence[LocalFile], index: str, important: Sequence[str], lazy: Sequence[str]
) -> Layout:
    """Split files into index / important / lazy by tradewind.layout's rule."""
    by_path = {f.path: f for f in files}
    index_path = unicodedata.normalize("NFC", index.strip().removeprefix("./"))
    try:
        chosen = layout.assign(by_path.keys(), index_path, important, lazy)
    except layout.LayoutError as exc:
        raise UsageProblem(exc.code, exc.message, exc.details) from exc
    return Layout(
        by_path[chosen.index],
        [by_path[p] for p in chosen.important],
        [by_path[p] for p in chosen.lazy],
    )


def sha256_of(path: Path, progress: Callable[[int], None]) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_SIZE):
                digest.update(chunk)
                progress(len(chunk))
    except OSError as exc:
        raise UsageProblem("unreadable_file", f"cannot read {path}: {exc.strerror}") from exc
    return digest.hexdigest()


def read_chunks(path: Path, progress: Callable[[int], None]) -> Iterator[bytes]:
    """The file's bytes in chunks, for a streamed request body (never read whole)."""
    with path.open("rb") as handle:
        yield from chunks_of(handle, progress)


def chunks_of(handle: IO[bytes], progress: Callable[[int], None]) -> Iterator[bytes]:
    """The rest of an open file in chunks, each reported to `progress` as it is read."""
    while chunk := handle.read(CHUNK_SIZE):
        progress(len(chunk))
        yield chunk
