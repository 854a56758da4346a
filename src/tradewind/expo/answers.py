"""Prebuilt Expo answers: every response body a release can need, as shared ASGI messages.

Per release: the manifest (multipart with an `extensions` part, or `application/expo+json`),
or the `rollBackToEmbedded` directive, plus the `noUpdateAvailable` directive for devices that
already run it; each unsigned and signed by every key of the application. The message dicts are
shared by every request that gets the same answer; never mutate one after it is built.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tradewind.expo.signing import Signer, signature_header
from tradewind.serving.responses import Headers, Message

MULTIPART = "multipart"
JSON = "json"
PROTOCOL_HEADERS: Headers = [
    (b"expo-protocol-version", b"1"),
    (b"expo-sfv-version", b"0"),
    (b"cache-control", b"private, max-age=0"),
]
EXTENSIONS = b'{"assetRequestHeaders":{}}'
JSON_PART_TYPE = b"application/json; charset=utf-8"
EXPO_JSON_TYPE = b"application/expo+json"


@dataclass(frozen=True, slots=True)
class Reply:
    """One response: its start message and its body message."""

    start: Message
    body: Message


def encode_json(doc: Mapping[str, Any]) -> bytes:
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def _reply(status: int, headers: Headers, body: bytes) -> Reply:
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [*PROTOCOL_HEADERS, *headers, (b"content-length", str(len(body)).encode())],
    }
    return Reply(start, {"type": "http.response.body", "body": body})


def multipart(parts: Sequence[tuple[str, bytes, Headers]]) -> tuple[bytes, bytes]:
    """`multipart/mixed` body and its boundary; the boundary is derived from the parts, so it
    cannot occur inside them (a 32-hex-digit digest of their bytes)."""
    digest = hashlib.blake2b(digest_size=16)
    for _, content, _ in parts:
        digest.update(content)
    boundary = b"tradewind-" + digest.hexdigest().encode()
    chunks = []
    for name, content, headers in parts:
        chunks.append(b"--" + boundary + b"\r\n")
        chunks.append(b'content-disposition: inline; name="' + name.encode() + b'"\r\n')
        chunks.append(b"content-type: " + JSON_PART_TYPE + b"\r\n")
        chunks.extend(key + b": " + value + b"\r\n" for key, value in headers)
        chunks.append(b"\r\n" + content + b"\r\n")
    chunks.append(b"--" + boundary + b"--\r\n")
    return b"".join(chunks), boundary


def _signed(signer: Signer | None, body: bytes) -> Headers:
    return [] if signer is None else [(b"expo-signature", signature_header(signer, body))]


def multipart_reply(name: str, doc: bytes, signer: Signer | None, extensions: bool) -> Reply:
    parts: list[tuple[str, bytes, Headers]] = [(name, doc, _signed(signer, doc))]
    if extensions:
        parts.append(("extensions", EXTENSIONS, []))
    body, boundary = multipart(parts)
    content_type = b"multipart/mixed; boundary=" + boundary
    return _reply(200, [(b"content-type", content_type)], body)


def json_reply(doc: bytes, signer: Signer | None) -> Reply:
    return _reply(200, [(b"content-type", EXPO_JSON_TYPE), *_signed(signer, doc)], doc)


# A variant: (MULTIPART or JSON, key id or None for unsigned, whether it is the no-update one).
Variant = tuple[str, str | None, bool]


class Answer:
    """Every prebuilt reply of one release, by variant; a missing variant cannot be served
    (a directive in JSON: 406)."""

    __slots__ = ("package_version", "release_id", "replies", "update_id")

    def __init__(self, release_id: int, update_id: str, package_version: str) -> None:
        self.release_id = release_id
        self.update_id = update_id
        self.package_version = package_version
        self.replies: dict[Variant, Reply] = {}


def build_answer(
    release_id: int,
    update_id: str,
    package_version: str,
    manifest: bytes | None,
    directive: bytes | None,
    signers: Sequence[Signer],
) -> Answer:
    """`manifest` for an update, `directive` (rollBackToEmbedded) for a rollback to embedded."""
    answer = Answer(release_id, update_id, package_version)
    no_update = encode_json({"type": "noUpdateAvailable"})
    for signer in [None, *signers]:
        key_id = None if signer is None else signer.key_id
        if manifest is not None:
            answer.replies[(MULTIPART, key_id, False)] = multipart_reply(
                "manifest", manifest, signer, True
            )
            answer.replies[(JSON, key_id, False)] = json_reply(manifest, signer)
        if directive is not None:
            answer.replies[(MULTIPART, key_id, False)] = multipart_reply(
                "directive", directive, signer, False
            )
        answer.replies[(MULTIPART, key_id, True)] = multipart_reply(
            "directive", no_update, signer, False
        )
    return answer
