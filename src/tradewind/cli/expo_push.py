"""`tradewind push --expo DIR`: publish an `npx expo export` output.

Hash every file metadata.json names, upload only what the server lacks (with the content type
of each asset's extension), then create one package per platform, pinned to the hashed
contents, and (unless told not to) release each to the channel.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradewind.cli import bundle
from tradewind.cli.bundle import LocalFile
from tradewind.cli.client import ApiClient, app_path
from tradewind.cli.errors import UsageProblem
from tradewind.cli.push import (
    DEFAULT_PARALLEL,
    Progress,
    PushOptions,
    human_size,
    upload_missing,
)
from tradewind.errors import TradewindError
from tradewind.expo.export import parse_metadata

BUNDLE_TYPE = "application/javascript"
CONFIG_FILE = "expoConfig.json"


@dataclass(frozen=True)
class ExpoOptions:
    runtime_version: str | None
    platforms: list[str]
    expo_config: Path | None
    channel: str
    percentage: float
    release: bool
    notes: str
    parallel: int = DEFAULT_PARALLEL


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageProblem("invalid_expo_export", f"cannot read {what} {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageProblem("invalid_expo_export", f"{what} {path} is not a JSON object")
    return data


def collect(directory: Path, platforms: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """metadata.json and every file it names with its content type (path -> type)."""
    metadata = _read_json(directory / "metadata.json", "the export's metadata")
    try:
        exports = parse_metadata(metadata, platforms or None)
    except TradewindError as exc:
        raise UsageProblem(exc.code, exc.message, exc.details) from exc
    types: dict[str, str] = {}
    for export in exports:
        types[export.bundle] = BUNDLE_TYPE
        for asset in export.assets:
            guessed = mimetypes.guess_type(f"x.{asset.ext}")[0]
            types[asset.path] = guessed or "application/octet-stream"
    return metadata, types


def local_files(directory: Path, types: dict[str, str], progress: Progress) -> list[LocalFile]:
    found = []
    for path in sorted(types):
        disk = directory / path
        if not disk.is_file():
            raise UsageProblem(
                "invalid_expo_export", f"metadata.json names {path}, not in {directory}"
            )
        found.append(LocalFile(path, disk, disk.stat().st_size))
    progress.stage("hashing", len(found), sum(f.size for f in found))
    hashed = []
    for file in found:
        hashed.append(
            LocalFile(
                file.path, file.disk, file.size, bundle.sha256_of(file.disk, progress.advance)
            )
        )
        progress.file_done("hashing", file)
    progress.stage_done(
        "hashing", f"hashed {len(found)} files ({human_size(sum(f.size for f in found))})"
    )
    return hashed


def push_expo(
    client: ApiClient, org: str, app: str, directory: Path, options: ExpoOptions, progress: Progress
) -> dict[str, Any]:
    metadata, types = collect(directory, options.platforms)
    config_path = options.expo_config or directory / CONFIG_FILE
    expo_config = _read_json(config_path, "the app config") if config_path.is_file() else None
    if options.expo_config is not None and expo_config is None:
        raise UsageProblem("invalid_expo_export", f"{options.expo_config} does not exist")
    base = app_path(org, app)
    files = local_files(directory, types, progress)
    how = PushOptions(parallel=options.parallel)
    lacking = upload_missing(client, base, files, progress, how, content_types=types)
    body: dict[str, Any] = {
        "metadata": metadata,
        "expo_config": expo_config,
        "runtime_version": options.runtime_version,
        "platforms": options.platforms or None,
        "files": [{"path": f.path, "sha256": f.sha256} for f in files],
        "notes": options.notes,
    }
    if options.release:
        body["release"] = {
            "channel": options.channel,
            "percentage": options.percentage,
            "notes": options.notes,
        }
    answer: dict[str, Any] = client.post(f"{base}/expo/updates", body)
    answer["uploaded"] = [f.path for f in lacking]
    return answer
