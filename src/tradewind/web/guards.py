"""ASGI middleware that keeps hostile requests away from the routes.

- `TooLargeAsEnvelope`: bodies are limited per route by FastAPI's `max_body_size` (set
  API-wide in app.py). When the declared Content-Length is already too large, Starlette's
  limiter answers `413` in plain text by itself; this turns that into the error envelope.
- `RejectNul`: a NUL character in the path or query string can never name anything, and
  PostgreSQL refuses it in text parameters (a 500 otherwise); answer `400` up front.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradewind.web.errors import error_payload


class TooLargeAsEnvelope:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_enveloped(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and _is_plain_413(message):
                replaced = True
                await _send_envelope(send)
            elif not replaced:
                await send(message)

        await self.app(scope, receive, send_enveloped)


def _is_plain_413(message: Message) -> bool:
    if message["status"] != 413:
        return False
    headers: dict[bytes, bytes] = dict(message.get("headers", []))
    return headers.get(b"content-type", b"").startswith(b"text/plain")


async def _send_envelope(send: Send) -> None:
    body = error_payload("payload_too_large", "the request body is too large")
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RejectNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            body = error_payload("invalid_characters", "the URL contains a NUL character")
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _has_nul(scope: Scope) -> bool:
    path: str = scope["path"]
    query: bytes = scope.get("query_string", b"")
    return "\x00" in path or b"\x00" in unquote_to_bytes(query)
