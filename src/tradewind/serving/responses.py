"""Device responses prebuilt as ASGI messages, so a request only picks one and sends it.

The message dicts are shared by every request that gets the same answer; ASGI servers only read
them. Never mutate one after it is built.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tradewind.error_codes import device_error_text

Headers = list[tuple[bytes, bytes]]
Message = dict[str, Any]

# The answer depends on x-dimension (context and, often, the identifier dimension); `toss` is
# in the URL, so caches key on it already.
VARY = b"x-dimension"
JSON_TYPE = b"application/json"
TEXT_TYPE = b"text/plain; charset=utf-8"
# The stable error code of a device-path error answer (its body is text for people).
ERROR_HEADER = b"x-tradewind-error"
EMPTY_BODY: Message = {"type": "http.response.body", "body": b""}


def strong_etag(body: bytes) -> bytes:
    """A strong validator derived from the exact body bytes (same bytes, same ETag, any host)."""
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def _start(status: int, headers: Headers) -> Message:
    return {"type": "http.response.start", "status": status, "headers": headers}


# Airborne signed release config: `keyid="…",alg="es256",sig="<base64 DER>"` over the body.
SIGNATURE_HEADER = b"x-airborne-signature"
SIGNED_VARY = VARY + b", x-signing-key-id"


class Prebuilt:
    """One document: its body, ETag and the three answers (200, 304, HEAD).

    With signatures (key id -> `x-airborne-signature` value, made once at compile time),
    `start_200` carries the default key's signature (none without a default) and
    `signed_starts` holds one 200 start per key, for requests naming a key.
    """

    __slots__ = (
        "body",
        "body_message",
        "etag",
        "release_id",
        "signed_starts",
        "start_200",
        "start_304",
    )

    def __init__(
        self,
        release_id: int,
        body: bytes,
        cache_control: bytes,
        signatures: dict[bytes, bytes] | None = None,
        default_key: bytes | None = None,
    ) -> None:
        self.release_id = release_id
        self.body = body
        self.etag = strong_etag(body)
        common: Headers = [
            (b"etag", self.etag),
            (b"cache-control", cache_control),
            (b"vary", SIGNED_VARY if signatures else VARY),
        ]
        head: Headers = [
            (b"content-type", JSON_TYPE),
            (b"content-length", str(len(body)).encode()),
            *common,
        ]
        self.signed_starts: dict[bytes, Message] = {
            key_id: _start(200, [*head, (SIGNATURE_HEADER, value)])
            for key_id, value in (signatures or {}).items()
        }
        default = self.signed_starts.get(default_key) if default_key is not None else None
        self.start_200 = default if default is not None else _start(200, head)
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
    """A fixed error answer that no SDK can mistake for a release document.

    The iOS SDK parses the body whatever the status and turns any JSON object into a manifest
    of defaults (wiping the stored config), so the body is plain text ("<code>: <message>"),
    which no JSON parser reads as an object; the stable code is in `x-tradewind-error`.
    """

    __slots__ = ("body_message", "start")

    def __init__(
        self, status: int, code: str, message: str, extra_headers: Headers | None = None
    ) -> None:
        body = device_error_text(code, message)
        headers: Headers = [
            (b"content-type", TEXT_TYPE),
            (b"content-length", str(len(body)).encode()),
            (ERROR_HEADER, code.encode()),
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
        "unknown_signing_key": ErrorAnswer(
            400,
            "unknown_signing_key",
            "x-signing-key-id names no enabled signing key of this application",
            [(b"cache-control", b"no-store")],
        ),
        "snapshots_loading": ErrorAnswer(
            503,
            "snapshots_loading",
            "the server is loading its release snapshots; retry shortly",
            [(b"retry-after", b"1"), (b"cache-control", b"no-store")],
        ),
    }
