"""The output of `npx expo export`: `metadata.json` and, when given, the app config.

`metadata.json` is `{"version": 0, "bundler": "metro", "fileMetadata": {"<platform>":
{"bundle": "<path>", "assets": [{"path": "<path>", "ext": "<ext>"}]}}}`. Only `ios` and
`android` are Expo Updates platforms (`web` exports are skipped).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tradewind.errors import BadRequest
from tradewind.files.paths import normalise_path

PLATFORMS = ("android", "ios")
MAX_ASSETS = 5000
MAX_EXT_LENGTH = 32


@dataclass(frozen=True, slots=True)
class ExportAsset:
    path: str
    ext: str  # without the leading dot, e.g. "png"


@dataclass(frozen=True, slots=True)
class PlatformExport:
    platform: str
    bundle: str
    assets: tuple[ExportAsset, ...]

    @property
    def paths(self) -> list[str]:
        return [self.bundle, *(a.path for a in self.assets)]


def invalid(message: str, **details: Any) -> BadRequest:
    return BadRequest(message, code="invalid_expo_metadata", details=details)


def parse_metadata(
    metadata: Mapping[str, Any], platforms: list[str] | None = None
) -> list[PlatformExport]:
    """Every requested platform's bundle and assets, paths normalised; raises BadRequest."""
    files = metadata.get("fileMetadata")
    if not isinstance(files, Mapping):
        raise invalid("metadata.json has no fileMetadata object")
    wanted = platforms or [p for p in PLATFORMS if p in files]
    if not wanted:
        raise invalid("metadata.json exports neither android nor ios")
    exports = []
    for platform in wanted:
        if platform not in PLATFORMS:
            raise invalid(f"unknown platform {platform!r}", platform=platform)
        entry = files.get(platform)
        if not isinstance(entry, Mapping):
            raise invalid(f"metadata.json exports no {platform} update", platform=platform)
        exports.append(_platform(platform, entry))
    return exports


def _platform(platform: str, entry: Mapping[str, Any]) -> PlatformExport:
    bundle = entry.get("bundle")
    if not isinstance(bundle, str) or not bundle:
        raise invalid(f"{platform}: bundle must be a path", platform=platform)
    raw_assets = entry.get("assets", [])
    if not isinstance(raw_assets, list) or len(raw_assets) > MAX_ASSETS:
        raise invalid(f"{platform}: assets must be a list of at most {MAX_ASSETS}")
    assets: dict[str, ExportAsset] = {}
    for item in raw_assets:
        asset = _asset(platform, item)
        assets.setdefault(asset.path, asset)  # the same file listed twice is one asset
    bundle_path = normalise_path(bundle)
    assets.pop(bundle_path, None)
    return PlatformExport(platform, bundle_path, tuple(assets.values()))


def _asset(platform: str, item: object) -> ExportAsset:
    if not isinstance(item, Mapping):
        raise invalid(f"{platform}: every asset must be an object with path and ext")
    path, ext = item.get("path"), item.get("ext")
    if not isinstance(path, str) or not path:
        raise invalid(f"{platform}: an asset has no path")
    if not isinstance(ext, str) or len(ext) > MAX_EXT_LENGTH or not ext.strip(".").isalnum():
        raise invalid(f"{platform}: asset {path!r} has no valid ext", path=path)
    return ExportAsset(normalise_path(path), ext.strip(".").lower())


def runtime_version_of(expo_config: Mapping[str, Any] | None, platform: str) -> str | None:
    """The runtime version the app config declares for a platform, when it is literal.

    `runtimeVersion` may be a string, `{"policy": "appVersion"}` (the `version` field), or
    set per platform (`ios.runtimeVersion`, `android.runtimeVersion`). Other policies
    (fingerprint, nativeVersion) are computed by Expo tooling: pass the value explicitly.
    """
    if not expo_config:
        return None
    per_platform = expo_config.get(platform)
    value = (
        per_platform.get("runtimeVersion") if isinstance(per_platform, Mapping) else None
    ) or expo_config.get("runtimeVersion")
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping) and value.get("policy") == "appVersion":
        version = expo_config.get("version")
        return version if isinstance(version, str) and version else None
    return None
