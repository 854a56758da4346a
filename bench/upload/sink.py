"""A raw ASGI app that reads and discards request bodies: the HTTP ceiling of the machine.

Served by granian like Tradewind, it shows what the transport alone costs (no hashing, no
disk, no database), to put the upload figures in context.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 201, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def durable_app() -> Any:
    """The storage floor: what any durable, content-addressed store must do with an upload.

    Each body is hashed (SHA-256) and written to a temporary file as it arrives, then the file
    is fsync'd (in a thread) and renamed to its hash under SINK_DIR. No authentication, no
    database, no framework: Tradewind's per-file API can at best match this.
    """
    directory = Path(os.environ["SINK_DIR"])
    directory.mkdir(parents=True, exist_ok=True)

    def settle(fd: int, temporary: str, digest: str) -> None:
        os.fsync(fd)
        os.close(fd)
        os.replace(temporary, directory / digest)

    async def store(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await app(scope, receive, send)
            return
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
        sha256 = hashlib.sha256()
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            sha256.update(chunk)
            os.write(fd, chunk)
            if not message.get("more_body"):
                break
        await asyncio.to_thread(settle, fd, temporary, sha256.hexdigest())
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": sha256.hexdigest().encode()})

    return store
