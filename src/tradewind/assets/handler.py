"""`/assets/{key}`: blobs served from local disk, as a raw ASGI handler (no framework).

Blobs are immutable and content-addressed, so responses are cacheable forever and the ETag
is the SHA-256 already in the key. The only per-blob fact not in the URL is its content type,
read from the database once per key and kept in a small in-process LRU.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import OrderedDict
from typing import BinaryIO

from sqlalchemy import select
from starlette.types import Receive, Scope, Send

from tradewind.assets.ranges import ByteRange, Unsatisfiable, etag_matches, parse_range
from tradewind.db import Database
from tradewind.files.paths import BLOB_KEY
from tradewind.models import Blob
from tradewind.settings import Settings
from tradewind.storage import BlobStore, LocalBlobStore

PREFIX = "/assets/"
CACHE_CONTROL = b"public, max-age=31536000, immutable"
CHUNK_SIZE = 256 * 1024
TYPE_CACHE_SIZE = 10_000


def asset_base_url(settings: Settings) -> str:
    """The base of device URLs in local mode: `<public base URL>/assets`."""
    return f"{settings.base_url()}{PREFIX.rstrip('/')}"


def device_url(store: BlobStore, settings: Settings, storage_key: str) -> str:
    """Where a device downloads a blob: this server in local mode, the bucket/CDN in S3 mode."""
    return store.device_url(storage_key, asset_base_url(settings))


def _error(status: int, code: str, message: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"error": {"code": code, "message": message, "details": {}}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return status, headers, body


class AssetHandler:
    def __init__(self, store: LocalBlobStore, db: Database) -> None:
        self.store = store
        self.db = db
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
        try:
            content_type = await self._content_type(key)
            if content_type is None:  # on disk but not committed, or being deleted
                return await _respond(send, *_error(404, "asset_not_found", "no such asset"))
            request_headers = _headers(scope)
            await self._answer(scope, send, fh, size, content_type, request_headers)
        finally:
            await asyncio.to_thread(fh.close)

    async def _answer(
        self,
        scope: Scope,
        send: Send,
        fh: BinaryIO,
        size: int,
        content_type: str,
        request: dict[bytes, str],
    ) -> None:
        sha = scope["path"].rsplit("/", 1)[1]
        etag = f'"{sha}"'
        common = [
            (b"etag", etag.encode()),
            (b"cache-control", CACHE_CONTROL),
            (b"accept-ranges", b"bytes"),
        ]
        if etag_matches(request.get(b"if-none-match", ""), etag):
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
            path = str(self.store.local_path(scope["path"][len(PREFIX) :]))
            return await send({"type": "http.response.pathsend", "path": path})
        await _stream(send, fh, start, length)

    def _open(self, key: str) -> tuple[BinaryIO, int] | None:
        try:
            fh = self.store.local_path(key).open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        return fh, os.fstat(fh.fileno()).st_size

    async def _content_type(self, key: str) -> str | None:
        found = self._types.get(key)
        if found is not None:
            self._types.move_to_end(key)
            return found
        async with self.db.sessions() as session:
            found = await session.scalar(select(Blob.content_type).where(Blob.storage_key == key))
        if found is not None:
            self._types[key] = found
            if len(self._types) > TYPE_CACHE_SIZE:
                self._types.popitem(last=False)
        return found


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


def asset_handler(store: BlobStore, db: Database) -> AssetHandler | None:
    """The handler to mount at `/assets/`, or None when blobs are not on local disk."""
    return AssetHandler(store, db) if isinstance(store, LocalBlobStore) else None
