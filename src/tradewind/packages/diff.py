"""What changes for devices between two packages: files added, removed and changed (with
sizes), and the properties that differ. Pure functions over the API's package shape (`files`
with `path`, `sha256`, `size`, `kind`), so the CLI uses them too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_MISSING = object()


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    change: str  # "added", "removed", "changed" (content), "moved" (same content, other kind)
    kind: str  # the new kind ("index", "important", "lazy"), the old one when removed
    old_size: int | None
    new_size: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "change": self.change,
            "kind": self.kind,
            "old_size": self.old_size,
            "new_size": self.new_size,
        }


@dataclass(frozen=True, slots=True)
class ValueChange:
    key: str
    old: Any  # meaningful only when present_before
    new: Any  # meaningful only when present_after
    present_before: bool
    present_after: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "old": self.old if self.present_before else None,
            "new": self.new if self.present_after else None,
            "change": "added"
            if not self.present_before
            else "removed"
            if not self.present_after
            else "changed",
        }


def file_changes(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> list[FileChange]:
    before = {f["path"]: f for f in old}
    after = {f["path"]: f for f in new}
    changes: list[FileChange] = []
    for path in sorted(before.keys() | after.keys()):
        a, b = before.get(path), after.get(path)
        if a is None and b is not None:
            changes.append(FileChange(path, "added", b["kind"], None, b["size"]))
        elif b is None and a is not None:
            changes.append(FileChange(path, "removed", a["kind"], a["size"], None))
        elif a is not None and b is not None and a["sha256"] != b["sha256"]:
            changes.append(FileChange(path, "changed", b["kind"], a["size"], b["size"]))
        elif a is not None and b is not None and a["kind"] != b["kind"]:
            changes.append(FileChange(path, "moved", b["kind"], a["size"], b["size"]))
    return changes


def value_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ValueChange]:
    """Top-level keys of two JSON objects (properties, config) whose values differ."""
    changes = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key, _MISSING), new.get(key, _MISSING)
        if a != b:
            changes.append(
                ValueChange(
                    key,
                    None if a is _MISSING else a,
                    None if b is _MISSING else b,
                    a is not _MISSING,
                    b is not _MISSING,
                )
            )
    return changes


def download_delta(changes: Sequence[FileChange]) -> int:
    """Bytes a device downloads for the new package that it did not have (added or changed)."""
    return sum(c.new_size or 0 for c in changes if c.change in ("added", "changed"))
