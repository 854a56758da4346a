"""Pushing a bundle directory: hash locally, ask what the server lacks, upload only that,
then create the package from exactly the hashed contents (pinned by SHA-256).

Each upload is committed by the server on its own, so a push that stops half-way (network
drop, Ctrl-C) resumes when re-run: the files already uploaded are no longer missing.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from tradewind.cli import bundle
from tradewind.cli.bundle import Layout, LocalFile
from tradewind.cli.client import ApiClient, app_path, file_path
from tradewind.cli.signer import upload_signature

if TYPE_CHECKING:
    from tradewind.keys.signing import PrivateKey

CHECK_BATCH = 10_000  # the server's limit per /files/check request
# Uploads in flight at once: enough to overlap one file's round trips with another's bytes.
DEFAULT_PARALLEL = 4


@dataclass(frozen=True, slots=True)
class PushOptions:
    """How to push, beyond what: signing, parallel uploads, reuse of an identical package."""

    sign_with: PrivateKey | None = None
    parallel: int = DEFAULT_PARALLEL
    reuse_identical: bool = True


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


def missing(client: ApiClient, base: str, files: Sequence[LocalFile]) -> list[LocalFile]:
    """The files whose (path, content) the application does not have yet."""
    by_key = {(f.path, f.sha256): f for f in files}
    result: list[LocalFile] = []
    for start in range(0, len(files), CHECK_BATCH):
        batch = [{"path": f.path, "sha256": f.sha256} for f in files[start : start + CHECK_BATCH]]
        answer = client.post(f"{base}/files/check", {"files": batch})
        # The server answers with normalised paths; ours are normalised (NFC) the same way.
        result += [by_key[key] for key in _keys(answer["missing"]) if key in by_key]
    return result


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


def upload(
    client: ApiClient,
    base: str,
    files: Sequence[LocalFile],
    progress: Progress,
    parallel: int = DEFAULT_PARALLEL,
) -> None:
    """Upload `parallel` files at a time (each a streamed PUT on its own connection)."""
    progress.stage("uploading", len(files), sum(f.size for f in files))
    shared = _Serialised(progress)

    def send(file: LocalFile) -> None:
        client.request(
            "PUT",
            f"{base}/files/{file_path(file.path)}",
            content=bundle.read_chunks(file.disk, shared.advance),
            headers={"X-Checksum-Sha256": file.sha256, "Content-Length": str(file.size)},
        )
        shared.file_done("uploading", file)

    # Largest first, so that one big file does not run alone at the end.
    ordered = sorted(files, key=lambda f: f.size, reverse=True)
    pool = ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="push")
    try:
        for future in [pool.submit(send, file) for file in ordered]:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # first failure: start no more
    total = human_size(sum(f.size for f in files))
    progress.stage_done("uploading", f"uploaded {len(files)} files ({total})")


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
    lacking = missing(client, base, files)
    progress.stage_done(
        "checking", f"the server already has {len(files) - len(lacking)} of {len(files)} files"
    )
    if lacking:
        upload(client, base, lacking, progress, options.parallel)
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
