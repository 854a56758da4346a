"""`/assets/{key}`: blobs served from local disk, as a raw ASGI handler (no framework).

Blobs are immutable and content-addressed, so responses are cacheable forever and the ETag
is the SHA-256 already in the key. Compressible blobs may have brotli/gzip variants beside
them (tradewind.compression), chosen by Accept-Encoding; see docs/files-and-packages.md.
The only per-blob fact not in the URL is its content type,
read from the database once per key and kept in a small in-process LRU.
"""

from __future__ import annotations

import asyncio
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import BinaryIO

from starlette.types import Receive, Scope, Send

from tradewind.assets.encoding import preferred_codings
from tradewind.assets.ranges import ByteRange, Unsatisfiable, etag_matches, parse_range
from tradewind.compression.variants import CODINGS, Coding, is_compressible, variant_key
from tradewind.db import Database
from tradewind.error_codes import envelope_bytes
from tradewind.errors import DatabaseUnavailable
from tradewind.files.paths import BLOB_KEY
from tradewind.files.repository import blob_content_type
from tradewind.settings import Settings
from tradewind.storage import BlobStore, LocalBlobStore

PREFIX = "/assets/"
CACHE_CONTROL = b"public, max-age=31536000, immutable"
CHUNK_SIZE = 256 * 1024
TYPE_CACHE_SIZE = 10_000


def asset_base_url(settings: Settings) -> str:
    """The base of device URLs in local mode: `<public base URL>/assets`."""
    return f"{settings.base_url()}{PREFIX.rstrip('/')}"


def _error(status: int, code: str, message: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = envelope_bytes(code, message)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return status, headers, body


def _unavailable(error: DatabaseUnavailable) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    status, headers, body = _error(503, error.code, error.message)
    headers.append((b"retry-after", str(error.details["retry_after_seconds"]).encode()))
    return status, headers, body


@dataclass(slots=True)
class _Representation:
    """The bytes chosen for one response: the blob itself or one of its compressed variants."""

    fh: BinaryIO
    size: int
    key: str
    etag: str
    coding: Coding | None = None


class AssetHandler:
    def __init__(self, store: LocalBlobStore, db: Database, compression: bool = True) -> None:
        self.store = store
        self.db = db
        self.compression = compression
        self._types: OrderedDict[str, str] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            status, headers, body = _error(405, "method_not_allowed", "use GET or HEAD")
            headers.append((b"allow", b"GET, HEAD"))
            return await _respond(send, status, headers, body)
        key = scope["path"][len(PREFIX) :]
        match = BLOB_KEY.fullmatch(key)
        opened = await asyncio.to_thread(self._open, key) if match else None
        if opened is None:
            return await _respond(send, *_error(404, "asset_not_found", "no such asset"))
        fh, size = opened
        chosen = _Representation(fh, size, key, _etag(key, None))
        try:
            try:
                content_type = await self._content_type(key)
            except DatabaseUnavailable as error:  # type not cached and the database is down
                return await _respond(send, *_unavailable(error))
            if content_type is None:  # on disk but not committed, or being deleted
                return await _respond(send, *_error(404, "asset_not_found", "no such asset"))
            request = _headers(scope)
            negotiated = self.compression and is_compressible(content_type)
            if negotiated and b"range" not in request:  # ranges: of the identity bytes only
                chosen = await asyncio.to_thread(self._variant, chosen, request)
            await self._answer(scope, send, chosen, content_type, request, negotiated)
        finally:
            await asyncio.to_thread(chosen.fh.close)
            if chosen.fh is not fh:
                await asyncio.to_thread(fh.close)

    async def _answer(
        self,
        scope: Scope,
        send: Send,
        chosen: _Representation,
        content_type: str,
        request: dict[bytes, str],
        negotiated: bool,
    ) -> None:
        etag, size = chosen.etag, chosen.size
        common = [
            (b"etag", etag.encode()),
            (b"cache-control", CACHE_CONTROL),
            (b"accept-ranges", b"bytes"),
        ]
        if negotiated:
            common.append((b"vary", b"Accept-Encoding"))
        if _any_etag_matches(request.get(b"if-none-match", ""), chosen.key):
            return await _respond(send, 304, common, b"")
        byte_range: ByteRange | None = None
        range_header = request.get(b"range")
        if range_header is not None and request.get(b"if-range", etag) == etag:
            try:
                byte_range = parse_range(range_header, size)
            except Unsatisfiable:
                status, headers, body = _error(416, "range_not_satisfiable", "invalid range")
                headers.append((b"content-range", f"bytes */{size}".encode()))
                return await _respond(send, status, headers, body)
        headers = [*common, (b"content-type", content_type.encode("latin-1"))]
        if chosen.coding is not None:
            headers.append((b"content-encoding", chosen.coding.encode()))
        if byte_range is None:
            status, start, length = 200, 0, size
        else:
            status, start, length = 206, byte_range.start, byte_range.length
            span = f"bytes {byte_range.start}-{byte_range.end}/{size}"
            headers.append((b"content-range", span.encode()))
        headers.append((b"content-length", str(length).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if scope["method"] == "HEAD":
            return await send({"type": "http.response.body", "body": b""})
        if byte_range is None and "http.response.pathsend" in scope.get("extensions", {}):
            # The server streams the file itself (granian: from Rust, no Python copies).
            path = str(self.store.local_path(chosen.key))
            return await send({"type": "http.response.pathsend", "path": path})
        await _stream(send, chosen.fh, start, length)

    def _open(self, key: str) -> tuple[BinaryIO, int] | None:
        try:
            fh = self.store.local_path(key).open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        return fh, os.fstat(fh.fileno()).st_size

    def _variant(self, identity: _Representation, request: dict[bytes, str]) -> _Representation:
        """The best stored variant the client accepts, else the blob itself (worker thread)."""
        for coding in preferred_codings(request.get(b"accept-encoding")):
            key = variant_key(identity.key, coding)
            opened = self._open(key)
            if opened is not None:
                return _Representation(*opened, key, _etag(identity.key, coding), coding)
        return identity

    async def _content_type(self, key: str) -> str | None:
        found = self._types.get(key)
        if found is not None:
            self._types.move_to_end(key)
            return found
        async with self.db.guarded(), self.db.sessions() as session:
            found = await blob_content_type(session, key)
        if found is not None:
            self._types[key] = found
            if len(self._types) > TYPE_CACHE_SIZE:
                self._types.popitem(last=False)
        return found


def _etag(blob_key: str, coding: Coding | None) -> str:
    """A strong ETag per representation: `"<sha>"`, `"<sha>-br"`, `"<sha>-gzip"`."""
    sha = blob_key.rsplit("/", 1)[1]
    return f'"{sha}"' if coding is None else f'"{sha}-{coding}"'


def _any_etag_matches(if_none_match: str, chosen_key: str) -> bool:
    """Every representation decodes to the same immutable bytes: any of their ETags counts."""
    blob = chosen_key.rsplit(".", 1)[0] if chosen_key.endswith((".br", ".gz")) else chosen_key
    etags = [_etag(blob, None), *(_etag(blob, coding) for coding in CODINGS)]
    return any(etag_matches(if_none_match, etag) for etag in etags)


def _headers(scope: Scope) -> dict[bytes, str]:
    return {name.lower(): value.decode("latin-1") for name, value in scope["headers"]}


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _stream(send: Send, fh: BinaryIO, start: int, length: int) -> None:
    await asyncio.to_thread(fh.seek, start)
    remaining = length
    while remaining > 0:
        chunk = await asyncio.to_thread(fh.read, min(CHUNK_SIZE, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
        await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
    if remaining > 0 or length == 0:  # empty blob, or the file shrank: end the response
        await send({"type": "http.response.body", "body": b""})


def asset_handler(store: BlobStore, db: Database, compression: bool = True) -> AssetHandler | None:
    """The handler to mount at `/assets/`, or None when blobs are not on local disk."""
    if not isinstance(store, LocalBlobStore):
        return None
    return AssetHandler(store, db, compression)
