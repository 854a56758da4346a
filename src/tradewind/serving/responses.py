"""Device responses prebuilt as ASGI messages, so a request only picks one and sends it.

The message dicts are shared by every request that gets the same answer; ASGI servers only read
them. Never mutate one after it is built.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

Headers = list[tuple[bytes, bytes]]
Message = dict[str, Any]

# The answer depends on x-dimension (context and, often, the identifier dimension); `toss` is
# in the URL, so caches key on it already.
VARY = b"x-dimension"
JSON_TYPE = b"application/json"
EMPTY_BODY: Message = {"type": "http.response.body", "body": b""}


def strong_etag(body: bytes) -> bytes:
    """A strong validator derived from the exact body bytes (same bytes, same ETag, any host)."""
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def _start(status: int, headers: Headers) -> Message:
    return {"type": "http.response.start", "status": status, "headers": headers}


class Prebuilt:
    """One document: its body, ETag and the three answers (200, 304, HEAD)."""

    __slots__ = ("body", "body_message", "etag", "release_id", "start_200", "start_304")

    def __init__(self, release_id: int, body: bytes, cache_control: bytes) -> None:
        self.release_id = release_id
        self.body = body
        self.etag = strong_etag(body)
        common: Headers = [
            (b"etag", self.etag),
            (b"cache-control", cache_control),
            (b"vary", VARY),
        ]
        self.start_200 = _start(
            200,
            [(b"content-type", JSON_TYPE), (b"content-length", str(len(body)).encode()), *common],
        )
        self.start_304 = _start(304, common)
        self.body_message: Message = {"type": "http.response.body", "body": body}

    def not_modified(self, if_none_match: bytes) -> bool:
        """RFC 9110 If-None-Match: weak comparison, lists, and `*` (the document exists)."""
        if if_none_match == self.etag:
            return True
        for candidate in if_none_match.split(b","):
            tag = candidate.strip()
            if tag.startswith(b"W/"):
                tag = tag[2:]
            if tag == self.etag or tag == b"*":
                return True
        return False


class ErrorAnswer:
    """A fixed error answer with the API's envelope {"error": {code, message, details}}."""

    __slots__ = ("body_message", "start")

    def __init__(
        self, status: int, code: str, message: str, extra_headers: Headers | None = None
    ) -> None:
        payload = {"error": {"code": code, "message": message, "details": {}}}
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers: Headers = [
            (b"content-type", JSON_TYPE),
            (b"content-length", str(len(body)).encode()),
            *(extra_headers or []),
        ]
        self.start = _start(status, headers)
        self.body_message: Message = {"type": "http.response.body", "body": body}


def error_answers(cache_control: bytes) -> dict[str, ErrorAnswer]:
    """The handler's fixed errors. 404s are cacheable like documents (they vary the same way)."""
    cacheable: Headers = [(b"cache-control", cache_control), (b"vary", VARY)]
    return {
        "application_not_found": ErrorAnswer(
            404, "application_not_found", "no such organisation or application", cacheable
        ),
        "no_release": ErrorAnswer(
            404, "no_release", "no live release matches this request", cacheable
        ),
        "method_not_allowed": ErrorAnswer(
            405,
            "method_not_allowed",
            "the update check accepts GET and HEAD",
            [(b"allow", b"GET, HEAD")],
        ),
        "snapshots_loading": ErrorAnswer(
            503,
            "snapshots_loading",
            "the server is loading its release snapshots; retry shortly",
            [(b"retry-after", b"1"), (b"cache-control", b"no-store")],
        ),
    }
