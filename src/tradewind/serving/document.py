"""The update-check document of the Hyper OTA / Airborne SDKs, as bytes (docs/device-protocol.md).

The SDKs reject a whole document when one field is missing, of the wrong type, or a file entry
has an empty or invalid url, so every document is checked here, once, when a snapshot is
compiled; a release that cannot produce a valid document is never served.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tradewind.keys.signing import LoadedSigningKey
from tradewind.releases.live import LiveFile, LiveRelease, LiveState

DOCUMENT_VERSION = "2"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")

UrlFor = Callable[[str], str]
"""Storage key -> absolute URL a device downloads it from."""


class InvalidDocument(ValueError):
    """A release's data cannot be turned into a document the SDKs accept."""


# What a snapshot was built from: revision, names and ingest settings (see SnapshotStore).
Signature = tuple[int, str, str, str, bool]


@dataclass(frozen=True, slots=True)
class Ingest:
    """What device event ingest needs of an application, without the database."""

    key: str = ""
    keyless: bool = False
    release_ids: frozenset[int] = frozenset()  # every release of the app, finished ones too


@dataclass(frozen=True, slots=True)
class AppSource:
    """What a snapshot is compiled from: an application's names and its live state.

    Kept on the snapshot, so presigned URLs can be renewed without the database.
    """

    org_name: str
    app_name: str
    state: LiveState
    ingest: Ingest = Ingest()
    # The application's enabled signing keys (decrypted when the source was loaded).
    signing_keys: tuple[LoadedSigningKey, ...] = ()

    @property
    def app_id(self) -> int:
        return self.state.app_id

    @property
    def revision(self) -> int:
        return self.state.revision

    @property
    def path_key(self) -> str:
        return f"{self.org_name}/{self.app_name}"


def document(
    app_name: str,
    live: LiveRelease,
    url_for: UrlFor,
    config_properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The §5 document of a release; raises InvalidDocument when it would be malformed.

    What the release says: its config, its package properties, its resources; the config
    properties are `config_properties` when given (the release's values resolved over the
    application's defaults), else the release's own.
    """
    release, package = live.release, live.package
    if config_properties is None:
        config_properties = release.config_properties
    return {
        "version": DOCUMENT_VERSION,
        "config": {
            "boot_timeout": _timeout(release.boot_timeout, "boot_timeout"),
            "release_config_timeout": _timeout(
                release.release_config_timeout, "release_config_timeout"
            ),
            "version": live.config_version,
            "properties": _properties(config_properties, "config.properties"),
        },
        "package": {
            "name": app_name,
            "version": str(package.version),
            "index": _file(package.index, url_for),
            "properties": _properties(release.package_properties, "package.properties"),
            "important": [_file(f, url_for) for f in package.important],
            "lazy": [_file(f, url_for) for f in package.lazy],
        },
        "resources": [_file(f, url_for) for f in live.resources],
    }


def encode(doc: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON; NaN and infinities are refused (they are not JSON)."""
    try:
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise InvalidDocument(str(exc)) from exc
    return text.encode("utf-8")


def _timeout(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidDocument(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _properties(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidDocument(f"{name} must be a JSON object, got {type(value).__name__}")
    return dict(value)


def _file(ref: LiveFile, url_for: UrlFor) -> dict[str, Any]:
    if not ref.path:
        raise InvalidDocument("a file has an empty path")
    checksum = ref.sha256.lower()
    if not _SHA256_HEX.fullmatch(checksum):
        raise InvalidDocument(f"{ref.path}: checksum is not a SHA-256 hex digest")
    if isinstance(ref.size, bool) or not isinstance(ref.size, int) or ref.size < 0:
        raise InvalidDocument(f"{ref.path}: size must be a non-negative integer")
    url = url_for(ref.storage_key)
    if not is_absolute_http_url(url):
        raise InvalidDocument(f"{ref.path}: url {url!r} is not an absolute http(s) URL")
    return {"file_path": ref.path, "url": url, "checksum": checksum, "size": ref.size}


def is_absolute_http_url(url: str) -> bool:
    scheme, sep, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    return bool(sep) and scheme in ("http", "https") and bool(host) and " " not in url
