"""The bundle manifest: which file is the index, which are important, which lazy."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from tradewind.errors import BadRequest
from tradewind.files.paths import normalise_path
from tradewind.files.schemas import RawPath
from tradewind.packages.schemas import MAX_NOTES_LENGTH

Glob = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class BundleManifest(BaseModel):
    """Globs match whole paths: `*` within one segment, `**` across segments, `?` one
    character. Defaults: no `important` and no `lazy` means every file but the index is
    important; with only `lazy`, the rest is important; with only `important`, the rest is
    lazy; with both, every file must match exactly one of them."""

    model_config = ConfigDict(extra="forbid")
    index: RawPath
    important: list[Glob] | None = Field(None, max_length=1000)
    lazy: list[Glob] | None = Field(None, max_length=1000)
    properties: dict[str, Any] = Field(default_factory=dict)
    notes: str = Field("", max_length=MAX_NOTES_LENGTH)


@dataclass(frozen=True, slots=True)
class Assignment:
    index: str
    important: list[str]
    lazy: list[str]


def parse_manifest(raw: bytes) -> BundleManifest:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("the manifest is not valid JSON", code="invalid_manifest") from exc
    try:
        return BundleManifest.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"loc": list(e["loc"]), "message": e["msg"]} for e in exc.errors(include_url=False)[:20]
        ]
        raise BadRequest(
            "the manifest is invalid", code="invalid_manifest", details={"errors": errors}
        ) from exc


def glob_regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(parts), re.DOTALL)


def _matcher(globs: list[str] | None) -> list[re.Pattern[str]]:
    return [glob_regex(g) for g in globs or []]


def _matches(path: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.fullmatch(path) for p in patterns)


def assign(manifest: BundleManifest, paths: Collection[str]) -> Assignment:
    """Sort the archive's files into index, important and lazy (each in path order)."""
    index = normalise_path(manifest.index)
    if index not in paths:
        raise BadRequest(
            "the manifest's index file is not in the archive",
            code="index_not_in_archive",
            details={"index": index},
        )
    important_globs, lazy_globs = _matcher(manifest.important), _matcher(manifest.lazy)
    important: list[str] = []
    lazy: list[str] = []
    for path in sorted(paths):
        if path == index:
            continue
        is_lazy, is_important = _matches(path, lazy_globs), _matches(path, important_globs)
        if is_lazy and is_important:
            raise BadRequest(
                "a file matches both the important and the lazy globs",
                code="important_lazy_overlap",
                details={"paths": [path]},
            )
        if is_lazy or (
            not is_important and manifest.important is not None and manifest.lazy is None
        ):
            lazy.append(path)
        elif is_important or manifest.important is None:
            important.append(path)
        else:
            raise BadRequest(
                "a file matches neither the important nor the lazy globs",
                code="unassigned_file",
                details={"path": path},
            )
    return Assignment(index, important, lazy)
