"""The smallest possible ASGI app answering every request with the same document bytes.

It shows the ceiling of ASGI under granian on this machine: the work Tradewind adds on top
(routing, x-dimension parsing, resolution, conditional requests) is the difference between
this and Tradewind. The body is read from the file named by BENCH_BODY_FILE.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

Message = dict[str, Any]


def create_app() -> Any:
    body = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
    start: Message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"etag", b'"0123456789abcdef0123456789abcdef"'),
            (b"cache-control", b"public, max-age=0, s-maxage=60"),
            (b"vary", b"x-dimension"),
        ],
    }
    message: Message = {"type": "http.response.body", "body": body}

    async def app(scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send(start)
        await send(message)

    return app


class _ConstantRsgi:
    """The same answer through granian's native interface (RSGI): that interface's ceiling."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.headers = [
            ("content-type", "application/json"),
            ("etag", '"0123456789abcdef0123456789abcdef"'),
            ("cache-control", "public, max-age=0, s-maxage=60"),
            ("vary", "x-dimension"),
        ]

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        protocol.response_bytes(200, self.headers, self.body)


def create_rsgi_app() -> Any:
    return _ConstantRsgi(Path(os.environ["BENCH_BODY_FILE"]).read_bytes())
