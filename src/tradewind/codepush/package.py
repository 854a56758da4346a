"""CodePush package form: the package hash, the full zip and diff zips, from files on disk.

Package hash (as the CodePush CLI, server and client SDKs compute it): the SHA-256 hex of the
JSON array of `"<path>:<sha256 hex of the file>"` strings, sorted, paths with `/`, leaving out
`__MACOSX/` and `.DS_Store` entries and the signature file `.codepushrelease`. The signature
file stays in the manifest and in every zip, so signed releases verify on the device.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path

SIGNATURE_FILE = ".codepushrelease"
DIFF_MANIFEST = "hotcodepush.json"
# Every zip entry gets this timestamp, so the same files always make the same zip bytes.
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def ignored(path: str) -> bool:
    """Entries that are never part of a package (macOS metadata)."""
    return path.startswith("__MACOSX/") or path == ".DS_Store" or path.endswith("/.DS_Store")


def _is_signature(path: str) -> bool:
    return path == SIGNATURE_FILE or path.endswith("/" + SIGNATURE_FILE)


def package_hash(manifest: Mapping[str, str]) -> str:
    """The CodePush package hash of a manifest {path: sha256 hex}."""
    entries = [f"{path}:{sha}" for path, sha in manifest.items() if not _is_signature(path)]
    entries.sort(key=_utf16_key)  # JavaScript's default sort compares UTF-16 code units
    text = json.dumps(entries, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _utf16_key(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def write_zip(target: Path, files: Mapping[str, Path]) -> None:
    """A deterministic deflated zip of {path inside the zip: file on disk}."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with files[path].open("rb") as source, archive.open(info, "w") as sink:
                while chunk := source.read(1024 * 1024):
                    sink.write(chunk)


def diff_entries(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(deleted paths, new or changed paths) from the old manifest to the new one."""
    deleted = sorted(path for path in old if path not in new)
    changed = sorted(path for path, sha in new.items() if old.get(path) != sha)
    return deleted, changed


def write_diff_zip(target: Path, deleted: list[str], changed: Mapping[str, Path]) -> None:
    """`hotcodepush.json` ({"deletedFiles": [...]}) plus the new or changed files."""
    manifest = target.with_suffix(".json")
    manifest.write_text(json.dumps({"deletedFiles": deleted}), encoding="utf-8")
    write_zip(target, {DIFF_MANIFEST: manifest, **changed})
    manifest.unlink()
