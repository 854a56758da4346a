"""Expo Updates v1 documents: the manifest of a release and the directives, as dicts.

Built once per snapshot from a release's live data; checked here so that a release that
cannot give a manifest every expo-updates client accepts is never served (see
`InvalidManifest`).
"""

from __future__ import annotations

import base64
import mimetypes
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tradewind.models import Release
from tradewind.releases.live import LiveFile, LiveRelease
from tradewind.serving.document import is_absolute_http_url

# Namespace of Tradewind's update ids (uuid5 of the release's identity, see update_id).
UPDATE_NAMESPACE = uuid.UUID("5d6c7f0e-6b1e-4a57-9c43-0b6f3b1f2a10")
LAUNCH_CONTENT_TYPE = "application/javascript"
GENERIC_TYPES = ("application/octet-stream", "")
_MD5_HEX = re.compile(r"[0-9a-f]{32}")

KIND_UPDATE = "update"
KIND_EMBEDDED = "rollback_to_embedded"


class InvalidManifest(ValueError):
    """A release's data cannot be turned into a manifest that expo-updates accepts."""


@dataclass(frozen=True, slots=True)
class ExpoPackage:
    """What a package's `properties["expo"]` says (written by the Expo publish service)."""

    kind: str
    platform: str
    runtime_version: str
    asset_exts: Mapping[str, str]  # asset path -> extension without the dot
    expo_config: Mapping[str, Any] | None


def expo_package(properties: Mapping[str, Any]) -> ExpoPackage | None:
    """The Expo description of a package, or None for a package that is not an Expo update."""
    expo = properties.get("expo")
    if not isinstance(expo, Mapping):
        return None
    kind, platform, runtime = expo.get("kind"), expo.get("platform"), expo.get("runtime_version")
    if kind not in (KIND_UPDATE, KIND_EMBEDDED) or platform not in ("android", "ios"):
        return None
    if not isinstance(runtime, str) or not runtime:
        return None
    assets = expo.get("assets") or []
    exts = {
        a["path"]: a["ext"]
        for a in assets
        if isinstance(a, Mapping)
        and isinstance(a.get("path"), str)
        and isinstance(a.get("ext"), str)
    }
    config = expo.get("expo_config")
    return ExpoPackage(
        kind, platform, runtime, exts, config if isinstance(config, Mapping) else None
    )


def update_id(app_id: int, release_id: int, created_at: datetime) -> str:
    """A release's update id: a UUID unique to that release (a rollback is a new release, so
    devices see a new update), stable across processes and restarts."""
    stamp = created_at.astimezone(UTC).isoformat() if created_at.tzinfo else created_at.isoformat()
    return str(uuid.uuid5(UPDATE_NAMESPACE, f"{app_id}:{release_id}:{stamp}"))


def release_time(release: Release) -> datetime:
    """When the release went live (what `createdAt` and `commitTime` say)."""
    return release.started_at or release.created_at


def iso_millis(moment: datetime) -> str:
    """`2026-01-01T00:00:00.000Z`: the form both clients parse."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def hash_of(sha256_hex: str) -> str:
    """The asset `hash` expo-updates verifies: unpadded base64url of the SHA-256 digest."""
    return base64.urlsafe_b64encode(bytes.fromhex(sha256_hex)).rstrip(b"=").decode()


def manifest(
    live: LiveRelease, expo: ExpoPackage, id_: str, launch_url: str, url_for: Callable[[str], str]
) -> dict[str, Any]:
    package = live.package
    bundle = package.index
    assets = [*package.important, *package.lazy]
    doc: dict[str, Any] = {
        "id": id_,
        "createdAt": iso_millis(release_time(live.release)),
        "runtimeVersion": expo.runtime_version,
        "launchAsset": {
            "hash": hash_of(_sha(bundle)),
            "key": bundle.sha256,
            "contentType": LAUNCH_CONTENT_TYPE,
            "fileExtension": ".bundle",
            "url": _checked_url(launch_url, bundle.path),
        },
        "assets": [_asset(f, expo, url_for) for f in assets],
        "metadata": {},
        "extra": {"expoClient": dict(expo.expo_config)} if expo.expo_config else {},
    }
    return doc


def _sha(file: LiveFile) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", file.sha256):
        raise InvalidManifest(f"{file.path}: checksum is not a SHA-256 hex digest")
    return file.sha256


def _checked_url(url: str, path: str) -> str:
    if not is_absolute_http_url(url):
        raise InvalidManifest(f"{path}: url {url!r} is not an absolute http(s) URL")
    return url


def _asset(file: LiveFile, expo: ExpoPackage, url_for: Callable[[str], str]) -> dict[str, Any]:
    ext = expo.asset_exts.get(file.path) or file.path.rsplit(".", 1)[-1]
    if "/" in ext or not ext:
        raise InvalidManifest(f"{file.path}: no file extension")
    return {
        "hash": hash_of(_sha(file)),
        "key": asset_key(file),
        "contentType": content_type_of(file, ext),
        "fileExtension": f".{ext}",
        "url": _checked_url(url_for(file.storage_key), file.path),
    }


def asset_key(file: LiveFile) -> str:
    """The md5 name `expo export` gives an asset (`assets/<md5>`), which is also the key of
    the same asset embedded in the app binary, so clients reuse embedded copies; else the
    SHA-256."""
    name = file.path.rsplit("/", 1)[-1]
    return name if _MD5_HEX.fullmatch(name) else file.sha256


def content_type_of(file: LiveFile, ext: str) -> str:
    if file.content_type.split(";", 1)[0].strip() not in GENERIC_TYPES:
        return file.content_type
    return mimetypes.guess_type(f"x.{ext}")[0] or "application/octet-stream"


def no_update_directive() -> dict[str, Any]:
    return {"type": "noUpdateAvailable"}


def rollback_directive(commit_time: datetime) -> dict[str, Any]:
    return {"type": "rollBackToEmbedded", "parameters": {"commitTime": iso_millis(commit_time)}}
