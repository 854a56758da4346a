"""Safe extraction of bundle archives (.zip, .tar.gz) into temporary files.

Synchronous (run it in a worker thread). Every entry is checked before its bytes are read:
entry count, total and per-file size, compression ratio, path safety (no absolute paths, no
`..`), type (regular files and directories only: links of any kind are refused) and
uniqueness. Entries are streamed to disk in bounded chunks and hashed on the way.
"""

from __future__ import annotations

import gzip
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tradewind.bundles.tarscan import scan_headers
from tradewind.errors import BadRequest, PayloadTooLarge, TradewindError
from tradewind.files.paths import normalise_path
from tradewind.files.receive import Received, copy_hashed

# Entries smaller than this cannot be a meaningful bomb; tiny files compress very well.
RATIO_MIN_SIZE = 64 * 1024
_DRIVE = re.compile(r"[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class Limits:
    max_entries: int
    max_total_size: int
    max_ratio: int
    max_file_size: int


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    received: Received


def printable(name: str) -> str:
    """An entry name safe to put in a JSON answer (undecodable bytes become U+FFFD)."""
    return name[:300].encode("utf-8", "replace").decode("utf-8", "replace")


def _entry_error(
    code: str, message: str, name: str, status: type[TradewindError] = BadRequest
) -> TradewindError:
    return status(message, code=code, details={"entry": printable(name)})


def check_safe(name: str) -> None:
    """Refuse entry names that could point outside the bundle (what zip-slip exploits)."""
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise _entry_error("unsafe_archive_path", "archive entry with an absolute path", name)
    if ".." in re.split(r"[/\\]", name):
        raise _entry_error("unsafe_archive_path", "archive entry pointing outside (..)", name)


def entry_path(name: str) -> str:
    """The file path a file entry stands for (leading `./` dropped), under the path rules."""
    check_safe(name)
    while name.startswith("./"):
        name = name[2:]
    try:
        return normalise_path(name.rstrip("/"))
    except BadRequest as exc:
        raise BadRequest(
            exc.message, code=exc.code, details={**exc.details, "entry": printable(name)}
        ) from exc


class _Budget:
    """Counts entries and bytes against the limits, before anything is extracted."""

    def __init__(self, limits: Limits, archive_size: int) -> None:
        self.limits = limits
        self.archive_size = max(archive_size, 1)
        self.entries = 0
        self.total = 0
        self.paths: set[str] = set()

    def count_entry(self) -> None:
        self.entries += 1
        if self.entries > self.limits.max_entries:
            raise PayloadTooLarge(
                f"the archive has more than {self.limits.max_entries} entries",
                code="too_many_entries",
                details={"max_entries": self.limits.max_entries},
            )

    def add_file(self, name: str, size: int) -> str:
        path = entry_path(name)
        if path in self.paths:
            raise _entry_error("duplicate_entry", "the archive contains this path twice", name)
        self.paths.add(path)
        if size > self.limits.max_file_size:
            raise _entry_error(
                "file_too_large",
                "an archive entry exceeds the file size limit",
                name,
                PayloadTooLarge,
            )
        self.total += size
        if self.total > self.limits.max_total_size:
            raise PayloadTooLarge(
                f"the archive expands to more than {self.limits.max_total_size} bytes",
                code="archive_too_large",
                details={"max_total_size": self.limits.max_total_size},
            )
        return path

    def check_ratio(self, name: str, size: int, compressed: int) -> None:
        if size >= RATIO_MIN_SIZE and size > self.limits.max_ratio * max(compressed, 1):
            raise _entry_error(
                "compression_ratio_exceeded",
                f"an entry expands more than {self.limits.max_ratio} times (zip bomb?)",
                name,
            )


def _copy_declared(source: IO[bytes], target: Path, declared: int, name: str) -> Received:
    try:
        received = copy_hashed(source, target, declared)
    except PayloadTooLarge:
        raise _entry_error("corrupt_archive", "an entry is larger than it declares", name) from None
    if received.size != declared:
        raise _entry_error("corrupt_archive", "an entry is shorter than it declares", name)
    return received


def _extract_zip(archive: Path, target: Path, budget: _Budget) -> list[Entry]:
    with zipfile.ZipFile(archive) as zf:
        plan: list[tuple[zipfile.ZipInfo, str]] = []
        for info in zf.infolist():
            budget.count_entry()
            if "\0" in info.orig_filename:  # zipfile itself would cut the name there
                raise _entry_error("invalid_path", "an entry name contains NUL", info.filename)
            mode = info.external_attr >> 16
            if info.is_dir():
                check_safe(info.filename)
                continue
            if stat.S_ISLNK(mode):
                raise _entry_error("archive_link", "archives may not contain links", info.filename)
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                raise _entry_error(
                    "unsupported_entry", "only files and directories are allowed", info.filename
                )
            if info.flag_bits & 0x1:
                raise _entry_error(
                    "encrypted_entry", "encrypted entries are not supported", info.filename
                )
            path = budget.add_file(info.filename, info.file_size)
            budget.check_ratio(info.filename, info.file_size, info.compress_size)
            plan.append((info, path))
        entries = []
        for number, (info, path) in enumerate(plan):
            with zf.open(info) as source:
                received = _copy_declared(
                    source, target / str(number), info.file_size, info.filename
                )
            entries.append(Entry(path, received))
        return entries


def _extract_tar(archive: Path, target: Path, budget: _Budget) -> list[Entry]:
    entries: list[Entry] = []
    # Stream mode ("r|gz"): one pass, entries are checked and extracted as they come.
    scan_headers(archive)
    with (
        archive.open("rb") as raw,
        tarfile.open(fileobj=raw, mode="r|gz", encoding="utf-8", errors="strict") as tf,
    ):
        for member in tf:
            budget.count_entry()
            if member.isdir():
                check_safe(member.name)
                continue
            if member.issym() or member.islnk():
                raise _entry_error("archive_link", "archives may not contain links", member.name)
            if not member.isfile():
                raise _entry_error(
                    "unsupported_entry", "only files and directories are allowed", member.name
                )
            path = budget.add_file(member.name, member.size)
            # gzip compresses the whole stream: the ratio is checked on the running total.
            budget.check_ratio(member.name, budget.total, budget.archive_size)
            source = tf.extractfile(member)
            assert source is not None  # regular files always have a body
            with source:
                received = _copy_declared(
                    source, target / str(len(entries)), member.size, member.name
                )
            entries.append(Entry(path, received))
    return entries


CORRUPT = (
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    gzip.BadGzipFile,
    EOFError,
    NotImplementedError,
)


@contextmanager
def _corrupt_as_400() -> Iterator[None]:
    try:
        yield
    except UnicodeError as exc:  # a name that is not the UTF-8 it claims (or must be)
        raise BadRequest(
            "an archive entry name is not valid UTF-8", code="invalid_entry_name"
        ) from exc
    except (
        zipfile.BadZipFile,
        tarfile.TarError,
        zlib.error,
        EOFError,
        NotImplementedError,
        gzip.BadGzipFile,
    ) as exc:
        raise BadRequest(
            "the archive is corrupt or uses an unsupported feature",
            code="corrupt_archive",
            details={"reason": printable(str(exc))[:200]},
        ) from exc


def archive_format(archive: Path) -> str:
    with archive.open("rb") as fh:
        magic = fh.read(4)
    if magic in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if magic[:2] == b"\x1f\x8b":
        return "tar.gz"
    raise BadRequest("the archive must be a .zip or a .tar.gz", code="unsupported_archive")


def extract(archive: Path, target: Path, limits: Limits) -> list[Entry]:
    """Extract every file of `archive` into `target` (numbered temp files)."""
    kind = archive_format(archive)
    budget = _Budget(limits, archive.stat().st_size)
    with _corrupt_as_400():
        if kind == "zip":
            return _extract_zip(archive, target, budget)
        return _extract_tar(archive, target, budget)
