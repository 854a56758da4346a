"""Parsing an Expo manifest request's headers, following what expo-updates sends.

Every rule that rejects a request raises `Rejected` with a stable error code; nothing here
touches a snapshot. SFV headers are parsed with http-sfv (RFC 8941, the format expo-updates
writes with its structured-headers library).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from http_sfv.dictionary import Dictionary
from http_sfv.list import List

from tradewind.expo.answers import JSON, MULTIPART

PLATFORMS = frozenset({"android", "ios"})
MAX_VALUE = 256  # a dimension value's longest form
MAX_EXTRA_PARAMS = 32
MAX_FATAL_ERROR = 1024
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Rejected(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(slots=True)
class Headers:
    """The raw headers of a manifest request that matter (latin-1 decoded)."""

    protocol_versions: int = 0
    protocol_version: str = ""
    platform: str = ""
    runtime_version: str = ""
    channel: str = ""
    current_update_id: str = ""
    embedded_update_id: str = ""
    client_id: str = ""
    extra_params: str = ""
    expect_signature: str | None = None
    accept: str | None = None
    failed_update_ids: str = ""
    fatal_error: str = ""


_FIELDS = {
    b"expo-platform": "platform",
    b"expo-runtime-version": "runtime_version",
    b"expo-channel-name": "channel",
    b"expo-current-update-id": "current_update_id",
    b"expo-embedded-update-id": "embedded_update_id",
    b"eas-client-id": "client_id",
    b"expo-extra-params": "extra_params",
    b"expo-expect-signature": "expect_signature",
    b"accept": "accept",
    b"expo-recent-failed-update-ids": "failed_update_ids",
    b"expo-fatal-error": "fatal_error",
}


def read_headers(raw: list[tuple[bytes, bytes]], query: bytes) -> Headers:
    found = Headers()
    for name, value in raw:
        if name == b"expo-protocol-version":
            found.protocol_versions += 1
            found.protocol_version = value.decode("latin-1").strip()
            continue
        attr = _FIELDS.get(name)
        if attr is not None:
            setattr(found, attr, value.decode("latin-1").strip())
    if query:
        _from_query(found, query)
    return found


def _from_query(found: Headers, query: bytes) -> None:
    """The reference server's `?platform=` and `?runtime-version=` fallbacks."""
    params = dict(parse_qsl(query.decode("latin-1")))
    found.platform = found.platform or params.get("platform", "")
    found.runtime_version = found.runtime_version or params.get("runtime-version", "")


def check_basics(found: Headers) -> None:
    """Protocol version (exactly one, `1`), platform, runtime version, update ids."""
    if found.protocol_versions == 0:
        raise Rejected("missing_protocol_version")
    if found.protocol_versions > 1:
        raise Rejected("repeated_protocol_version")
    if found.protocol_version != "1":
        raise Rejected("unsupported_protocol_version")
    if found.platform not in PLATFORMS:
        raise Rejected("invalid_platform")
    if not found.runtime_version or len(found.runtime_version) > MAX_VALUE:
        raise Rejected("invalid_runtime_version")
    if len(found.channel) > MAX_VALUE or len(found.client_id) > MAX_VALUE:
        raise Rejected("header_too_long")
    for value in (found.current_update_id, found.embedded_update_id):
        if value and not _UUID.fullmatch(value):
            raise Rejected("invalid_update_id")


def extra_params(raw: str) -> tuple[tuple[str, str], ...]:
    """`expo-extra-params` (an SFV dictionary of strings, numbers or booleans), sorted."""
    if not raw:
        return ()
    items = _dictionary(raw, "invalid_extra_params")
    if len(items) > MAX_EXTRA_PARAMS:
        raise Rejected("invalid_extra_params")
    pairs = []
    for key, item in items.items():
        value = getattr(item, "value", None)
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str | int | float):
            text = str(value)
        else:
            raise Rejected("invalid_extra_params")
        if len(text) > MAX_VALUE:
            raise Rejected("invalid_extra_params")
        pairs.append((key, text))
    return tuple(sorted(pairs))


def expected_key_id(raw: str) -> str | None:
    """The key id an `expo-expect-signature` names (None: any; expo-updates sends its
    configured `keyid`). Raises when the header is not an SFV dictionary with `sig`."""
    items = _dictionary(raw, "invalid_expect_signature")
    if "sig" not in items:
        raise Rejected("invalid_expect_signature")
    keyid = items.get("keyid")
    if keyid is None:
        return None
    value = getattr(keyid, "value", None)
    if not isinstance(value, str):
        raise Rejected("invalid_expect_signature")
    return value


def failed_update_ids(raw: str) -> list[str]:
    """`expo-recent-failed-update-ids`: an SFV list of quoted UUIDs, lowercased."""
    if not raw:
        return []
    parsed = List()
    try:
        parsed.parse(raw.encode("latin-1"))
    except ValueError as exc:
        raise Rejected("invalid_failed_update_ids") from exc
    ids = []
    for item in parsed:
        value = getattr(item, "value", None)
        if not isinstance(value, str) or not _UUID.fullmatch(value):
            raise Rejected("invalid_failed_update_ids")
        ids.append(value.lower())
    return ids


def _dictionary(raw: str, code: str) -> dict[str, Any]:
    parsed = Dictionary()
    try:
        parsed.parse(raw.encode("latin-1"))
    except ValueError as exc:
        raise Rejected(code) from exc
    return dict(parsed)


_MEDIA = {
    MULTIPART: ("multipart/mixed", "multipart/*", "*/*"),
    JSON: ("application/expo+json", "application/json", "application/*", "*/*"),
}


def negotiate(accept: str | None) -> list[str]:
    """The acceptable answer kinds, best first (ties: multipart, which can carry
    directives). No `accept` accepts both; an `accept` naming neither accepts none."""
    if accept is None or not accept.strip():
        return [MULTIPART, JSON]
    weights: dict[str, float] = {}
    for member in accept.split(","):
        media, *params = (p.strip() for p in member.split(";"))
        media = media.lower()
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        weights[media] = max(weights.get(media, 0.0), q) if media in weights else q
    scores = {}
    for kind, ranges in _MEDIA.items():
        # The most specific range present decides (RFC 9110 §12.5.1).
        score = next((weights[r] for r in ranges if r in weights), 0.0)
        if score > 0:
            scores[kind] = score
    return sorted(scores, key=lambda kind: (-scores[kind], kind != MULTIPART))
