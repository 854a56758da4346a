"""The blob store interface shared by the local-disk and S3 backends.

Keys are relative slash paths chosen by the caller (e.g. `apps/12/sha256/<hex>`). They are
validated here, once, so that neither backend can be tricked into escaping its root and every
key can be appended to a URL without escaping.
"""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from tradewind.errors import BadRequest, NotFound

READ_CHUNK_SIZE = 256 * 1024
_T = TypeVar("_T")
# Blob writes in flight at once for one batch (S3 multipart uploads are parallel inside).
ADOPT_CONCURRENCY = 4
MAX_KEY_LENGTH = 1024
# Leaves room under the usual 255-byte file name limit for the local backend's temp names.
MAX_SEGMENT_LENGTH = 200

# RFC 3986 "unreserved" characters: safe in a file name and in a URL path without escaping.
_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")
_PREFIX_SEGMENT = re.compile(r"[A-Za-z0-9._~-]*")


async def for_each_adoption(
    files: Sequence[Adoption], operation: Callable[[Adoption], Awaitable[_T]]
) -> list[_T]:
    """`operation` on each file, `ADOPT_CONCURRENCY` at a time. The first failure is raised
    only once every operation has finished: none is left writing behind the caller's back."""
    limit = asyncio.Semaphore(ADOPT_CONCURRENCY)

    async def bounded(file: Adoption) -> _T:
        async with limit:
            return await operation(file)

    results = await asyncio.gather(*(bounded(file) for file in files), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return cast("list[_T]", results)


@dataclass(frozen=True, slots=True)
class Adoption:
    """A temporary file to become the blob `key`."""

    key: str
    path: Path
    content_type: str


class BlobNotFound(NotFound):
    default_code = "blob_not_found"


def _invalid_key(key: str, reason: str) -> BadRequest:
    return BadRequest(
        f"invalid blob key: {reason}",
        code="invalid_blob_key",
        details={"key": key[:200], "reason": reason},
    )


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is a safe blob key, else raise BadRequest.

    A key is one or more `/`-separated segments of URL-unreserved characters; no segment is
    empty or starts with `.` (so no `.`/`..`, and dot-names stay free for backend temp files).
    Callers must not use a key as the "directory" of another (`a` and `a/b`): on disk they
    cannot coexist, and the local backend raises Conflict `blob_key_conflict`.
    """
    if not isinstance(key, str) or not key:
        raise _invalid_key(str(key), "empty")
    if len(key) > MAX_KEY_LENGTH:
        raise _invalid_key(key, "too long")
    if "\x00" in key or "\\" in key:
        raise _invalid_key(key, "contains NUL or backslash")
    if key.startswith("/"):
        raise _invalid_key(key, "absolute path")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise _invalid_key(key, "empty, '.' or '..' segment")
        if len(segment) > MAX_SEGMENT_LENGTH:
            raise _invalid_key(key, "segment too long")
        if not _SEGMENT.fullmatch(segment):
            raise _invalid_key(key, "segment starts with '.' or has a char outside [A-Za-z0-9._~-]")
    return key


def validate_prefix(prefix: str) -> str:
    """A listing prefix: empty, or the start of a key (may end in `/` or mid-segment)."""
    if not prefix:
        return prefix
    if len(prefix) > MAX_KEY_LENGTH or prefix.startswith("/") or "\\" in prefix:
        raise _invalid_key(prefix, "invalid prefix")
    segments = prefix.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if (segment == "" and not last) or segment in (".", ".."):
            raise _invalid_key(prefix, "invalid prefix")
        if not _PREFIX_SEGMENT.fullmatch(segment):
            raise _invalid_key(prefix, "invalid prefix")
    return prefix


def validate_range(start: int, end: int | None) -> None:
    if start < 0 or (end is not None and end < start):
        raise BadRequest(
            "invalid byte range",
            code="invalid_blob_range",
            details={"start": start, "end": end},
        )


class BlobStore(ABC):
    """Where package file contents live. All I/O methods are async and bounded in memory."""

    @property
    @abstractmethod
    def url_ttl_seconds(self) -> int | None:
        """How long a `device_url` stays valid; None means it never expires."""

    @abstractmethod
    async def put_file(
        self, key: str, path: Path, content_type: str, content_encoding: str | None = None
    ) -> None:
        """Store the local file `path` under `key`, replacing any existing blob atomically.

        Streams from disk; a missing `path` raises FileNotFoundError and stores nothing.
        `content_encoding` (e.g. "br" for a compressed variant) is object metadata where the
        backend serves objects itself (S3); the local backend serves through Tradewind.
        """

    async def adopt_file(self, key: str, path: Path, content_type: str) -> None:
        """Like `put_file`, for a temporary file the caller gives up: a backend may move it
        into place instead of copying it (`path` may be gone afterwards)."""
        await self.put_file(key, path, content_type)

    async def adopt_files(self, files: Sequence[Adoption]) -> None:
        """`adopt_file` for each, a few at a time; every blob is in place when this returns."""
        await for_each_adoption(files, lambda f: self.adopt_file(f.key, f.path, f.content_type))

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def size(self, key: str) -> int:
        """Size in bytes; raises BlobNotFound."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the blob; a missing key is not an error."""

    @abstractmethod
    def read_range(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Yield bytes `start..end` (inclusive; None = to the end) in chunks.

        The range is clipped to the blob: a start at or past the end yields nothing.
        BlobNotFound is raised by the first iteration, so callers that must answer 404
        before sending headers call `size()` first (they need it for Content-Length anyway).
        """

    @abstractmethod
    def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Yield every key starting with `prefix` (plain string prefix, as in S3); any order."""

    @abstractmethod
    def device_url(self, key: str, base_asset_url: str) -> str:
        """The absolute URL a device downloads `key` from. Pure computation, no I/O."""

    async def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections; called once at application shutdown."""
