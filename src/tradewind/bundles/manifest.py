"""The bundle manifest: which file is the index, which are important, which lazy."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from tradewind.errors import BadRequest
from tradewind.files.paths import normalise_path
from tradewind.files.schemas import RawPath
from tradewind.globs import matches_any
from tradewind.packages.schemas import MAX_NOTES_LENGTH

Glob = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class BundleManifest(BaseModel):
    """Globs follow tradewind.globs (`*.png` at any depth; with `/`, from the root).
    Defaults: no `important` and no `lazy` means every file but the index is
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


def assign(manifest: BundleManifest, paths: Collection[str]) -> Assignment:
    """Sort the archive's files into index, important and lazy (each in path order)."""
    index = normalise_path(manifest.index)
    if index not in paths:
        raise BadRequest(
            "the manifest's index file is not in the archive",
            code="index_not_in_archive",
            details={"index": index},
        )
    important: list[str] = []
    lazy: list[str] = []
    for path in sorted(paths):
        if path == index:
            continue
        is_lazy = matches_any(path, manifest.lazy)
        is_important = matches_any(path, manifest.important)
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
