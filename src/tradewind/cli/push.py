"""Pushing a bundle directory: hash locally, ask what the server lacks, upload only that,
then create the package from exactly the hashed contents (pinned by SHA-256).

Small files travel together, many per request, as a `.zip` to the batch route; a file larger
than a batch is streamed alone. Each request is committed by the server on its own, so a push
that stops half-way (network drop, Ctrl-C) resumes when re-run: the files already uploaded are
no longer missing.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
import zipfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from tradewind.cli import bundle
from tradewind.cli.bundle import Layout, LocalFile
from tradewind.cli.client import ApiClient, app_path, file_path
from tradewind.cli.errors import CliError
from tradewind.cli.signer import upload_signature

if TYPE_CHECKING:
    from tradewind.keys.signing import PrivateKey

CHECK_BATCH = 10_000  # the server's limit per /files/check request
# Uploads in flight at once: enough to overlap one file's round trips with another's bytes.
DEFAULT_PARALLEL = 4
MIB = 1024 * 1024
# Files up to this size are sent together, as one archive per request: the cost of a request
# (authentication, a transaction) is paid per batch rather than per file.
DEFAULT_BATCH_MIB = 16
# A batch is never smaller than this, even when splitting a small push across the uploads in
# flight would make it so.
MIN_BATCH_BYTES = 1 * MIB
# What a zip archive adds per entry beyond its name (local header, central directory record,
# zip64 extras), bounded from above; and once per archive.
ZIP_ENTRY_OVERHEAD = 128
ZIP_END_OVERHEAD = 128


@dataclass(frozen=True, slots=True)
class PushOptions:
    """How to push, beyond what: signing, parallel uploads, reuse of an identical package."""

    sign_with: PrivateKey | None = None
    parallel: int = DEFAULT_PARALLEL
    reuse_identical: bool = True
    batch_bytes: int = DEFAULT_BATCH_MIB * MIB  # 0: every file on its own


class Progress(Protocol):
    def stage(self, name: str, files: int, size: int) -> None: ...
    def advance(self, size: int) -> None: ...
    def file_done(self, stage: str, file: LocalFile) -> None: ...
    def stage_done(self, name: str, message: str) -> None: ...


@dataclass
class PushResult:
    package: dict[str, Any]
    files: int
    size: int
    uploaded: list[str]
    uploaded_size: int

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.package["version"],
            "package": self.package,
            "files": self.files,
            "size": self.size,
            "uploaded": self.uploaded,
            "uploaded_size": self.uploaded_size,
            "skipped": self.files - len(self.uploaded),
            "reused": bool(self.package.get("reused")),
        }


def hash_files(layout: Layout, progress: Progress) -> Layout:
    files = layout.files
    progress.stage("hashing", len(files), sum(f.size for f in files))
    hashed: dict[str, LocalFile] = {}
    for file in files:
        digest = bundle.sha256_of(file.disk, progress.advance)
        hashed[file.path] = dataclasses.replace(file, sha256=digest)
        progress.file_done("hashing", file)
    progress.stage_done(
        "hashing", f"hashed {len(files)} files ({human_size(sum(f.size for f in files))})"
    )
    return Layout(
        hashed[layout.index.path],
        [hashed[f.path] for f in layout.important],
        [hashed[f.path] for f in layout.lazy],
    )


@dataclass(frozen=True, slots=True)
class BatchLimits:
    """What the server's batch route accepts (from its answer to the files check)."""

    max_bytes: int
    max_files: int
    max_file_size: int


@dataclass(frozen=True, slots=True)
class Missing:
    files: list[LocalFile]
    batch: BatchLimits | None  # None: a server without the batch route


def missing(client: ApiClient, base: str, files: Sequence[LocalFile]) -> Missing:
    """The files whose (path, content) the application does not have yet."""
    by_key = {(f.path, f.sha256): f for f in files}
    result: list[LocalFile] = []
    limits = None
    for start in range(0, len(files), CHECK_BATCH):
        batch = [{"path": f.path, "sha256": f.sha256} for f in files[start : start + CHECK_BATCH]]
        answer = client.post(f"{base}/files/check", {"files": batch})
        # The server answers with normalised paths; ours are normalised (NFC) the same way.
        result += [by_key[key] for key in _keys(answer["missing"]) if key in by_key]
        if isinstance(answer.get("batch"), dict):
            limits = BatchLimits(**answer["batch"])
    return Missing(result, limits)


def _keys(refs: Sequence[dict[str, str]]) -> list[tuple[str, str]]:
    return [(ref["path"], ref["sha256"]) for ref in refs]


class _Serialised:
    """Progress calls from upload threads, one at a time."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.lock = threading.Lock()

    def advance(self, size: int) -> None:
        with self.lock:
            self.progress.advance(size)

    def file_done(self, stage: str, file: LocalFile) -> None:
        with self.lock:
            self.progress.file_done(stage, file)


def plan_batches(
    files: Sequence[LocalFile], batch_bytes: int, limits: BatchLimits | None, parallel: int
) -> tuple[list[list[LocalFile]], list[LocalFile]]:
    """(batches, files sent alone): the files that fit a batch packed largest first, into
    batches of at most `batch_bytes` (smaller when that keeps `parallel` requests busy)."""
    if batch_bytes <= 0 or limits is None:
        return [], list(files)
    capacity = min(batch_bytes, limits.max_bytes - ZIP_END_OVERHEAD)
    small: list[LocalFile] = []
    alone: list[LocalFile] = []
    for file in files:
        fits = _zipped_size(file) <= capacity and file.size <= limits.max_file_size
        (small if fits else alone).append(file)
    share = -(-sum(_zipped_size(f) for f in small) // parallel)
    target = min(capacity, max(MIN_BATCH_BYTES, share))
    batches: list[list[LocalFile]] = []
    size = 0
    for file in sorted(small, key=lambda f: f.size, reverse=True):
        if (
            not batches
            or size + _zipped_size(file) > target
            or len(batches[-1]) >= limits.max_files
        ):
            batches.append([])
            size = 0
        batches[-1].append(file)
        size += _zipped_size(file)
    return batches, alone


def _zipped_size(file: LocalFile) -> int:
    return file.size + ZIP_ENTRY_OVERHEAD + 2 * len(file.path.encode())


def upload(
    client: ApiClient,
    base: str,
    missing: Missing,
    progress: Progress,
    options: PushOptions,
    content_types: Mapping[str, str] | None = None,
) -> None:
    """Upload `options.parallel` requests at a time: batches of small files, then each larger
    file streamed on its own. With `content_types` (by path), every file goes on its own with
    its type, which a batch could not carry."""
    files = missing.files
    progress.stage("uploading", len(files), sum(f.size for f in files))
    shared = _Serialised(progress)
    limits = None if content_types else missing.batch
    batches, alone = plan_batches(files, options.batch_bytes, limits, options.parallel)
    types = content_types or {}
    # Largest first, so that one big file does not run alone at the end.
    jobs = [
        partial(_send_file, client, base, file, shared, types.get(file.path))
        for file in sorted(alone, key=lambda f: f.size, reverse=True)
    ]
    jobs += [partial(_send_batch, client, base, batch, shared) for batch in batches]
    pool = ThreadPoolExecutor(max_workers=max(1, options.parallel), thread_name_prefix="push")
    try:
        for future in [pool.submit(job) for job in jobs]:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # first failure: start no more
    total = human_size(sum(f.size for f in files))
    progress.stage_done("uploading", f"uploaded {len(files)} files ({total})")


def upload_missing(
    client: ApiClient,
    base: str,
    files: Sequence[LocalFile],
    progress: Progress,
    options: PushOptions,
    content_types: Mapping[str, str] | None = None,
) -> list[LocalFile]:
    """Ask which files the server lacks and upload those (see `upload`); they are returned."""
    check = missing(client, base, files)
    lacking = check.files
    progress.stage_done(
        "checking", f"the server already has {len(files) - len(lacking)} of {len(files)} files"
    )
    if lacking:
        upload(client, base, check, progress, options, content_types)
    return lacking


def _send_file(
    client: ApiClient,
    base: str,
    file: LocalFile,
    shared: _Serialised,
    content_type: str | None = None,
) -> None:
    headers = {"X-Checksum-Sha256": file.sha256, "Content-Length": str(file.size)}
    if content_type is not None:
        headers["Content-Type"] = content_type
    client.request(
        "PUT",
        f"{base}/files/{file_path(file.path)}",
        content=bundle.read_chunks(file.disk, shared.advance),
        headers=headers,
    )
    shared.file_done("uploading", file)


def _send_batch(client: ApiClient, base: str, batch: list[LocalFile], shared: _Serialised) -> None:
    """One `.zip` of the batch (stored, not compressed) to the batch route; the server's
    answer must name every file with the content that was hashed."""
    with tempfile.TemporaryFile(prefix="tradewind-push-") as archive:
        # Timestamps before 1980 (reproducible builds set 1970) are stored as 1980.
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED, strict_timestamps=False) as zipped:
            for file in batch:
                zipped.write(file.disk, arcname=file.path)
        size = archive.tell()
        archive.seek(0)
        content = sum(f.size for f in batch)
        answer = client.request(
            "POST",
            f"{base}/files/batch",
            content=bundle.chunks_of(archive, _Scaled(shared.advance, content, size)),
            headers={"Content-Type": "application/zip", "Content-Length": str(size)},
        )
    stored = {(f["path"], f["sha256"]) for f in answer["files"]}
    for file in batch:
        if (file.path, file.sha256) not in stored:
            raise CliError(
                "checksum_mismatch",
                f"{file.path} changed while it was being pushed: push again",
            )
        shared.file_done("uploading", file)


class _Scaled:
    """Reports an archive's bytes sent as the share of its files' bytes they carry."""

    def __init__(self, advance: Callable[[int], None], content: int, archive: int) -> None:
        self.advance = advance
        self.content = content
        self.archive = max(1, archive)
        self.sent = 0
        self.reported = 0

    def __call__(self, size: int) -> None:
        self.sent += size
        reported = min(self.content, self.sent * self.content // self.archive)
        self.advance(reported - self.reported)
        self.reported = reported


def push(
    client: ApiClient,
    org: str,
    app: str,
    layout: Layout,
    properties: dict[str, Any],
    notes: str,
    progress: Progress,
    options: PushOptions,
) -> PushResult:
    base = app_path(org, app)
    layout = hash_files(layout, progress)
    files = layout.files
    lacking = upload_missing(client, base, files, progress, options)
    body: dict[str, Any] = {
        "index": _ref(layout.index),
        "important": [_ref(f) for f in layout.important],
        "lazy": [_ref(f) for f in layout.lazy],
        "properties": properties,
        "notes": notes,
        "reuse_identical": options.reuse_identical,
    }
    if options.sign_with is not None:
        body["signature"] = upload_signature(
            options.sign_with, org, app, layout.index, layout.important, layout.lazy, properties
        )
    package = client.post(f"{base}/packages", body)
    return PushResult(
        package=package,
        files=len(files),
        size=sum(f.size for f in files),
        uploaded=[f.path for f in lacking],
        uploaded_size=sum(f.size for f in lacking),
    )


def _ref(file: LocalFile) -> dict[str, str]:
    return {"path": file.path, "sha256": file.sha256}


def human_size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"
