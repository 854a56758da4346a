"""The bundle manifest: which file is the index, which are important, which lazy."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, ValidationError

from tradewind import layout
from tradewind.errors import BadRequest
from tradewind.files.paths import normalise_path
from tradewind.files.schemas import RawPath
from tradewind.keys.uploads import UploadSignature
from tradewind.packages.schemas import MAX_NOTES_LENGTH

Glob = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class BundleManifest(BaseModel):
    """Globs follow tradewind.globs (`*.png` at any depth; with `/`, from the root); files are
    sorted by tradewind.layout's rule, the same as `tradewind push`'s."""

    model_config = ConfigDict(extra="forbid")
    index: RawPath
    important: list[Glob] | None = Field(None, max_length=1000)
    lazy: list[Glob] | None = Field(None, max_length=1000)
    properties: dict[str, Any] = Field(default_factory=dict)
    notes: str = Field("", max_length=MAX_NOTES_LENGTH)
    signature: UploadSignature | None = None
    # The same as PackageCreate.reuse_identical: an upload of the same build answers the
    # package it already made (idempotent CI) instead of a new version.
    reuse_identical: StrictBool = False


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


def index_path(manifest: BundleManifest) -> str:
    return normalise_path(manifest.index)


def archive_root(manifest: BundleManifest, paths: Collection[str]) -> str | None:
    """The top-level directory to drop when the archive was made from a folder
    (`zip -r build.zip build/`): every file is inside it and the index is not at the root."""
    if index_path(manifest) in paths:
        return None
    return layout.single_root(paths)


def assign(manifest: BundleManifest, paths: Collection[str]) -> layout.Assignment:
    """Sort the archive's files into index, important and lazy (tradewind.layout's rule)."""
    try:
        return layout.assign(paths, index_path(manifest), manifest.important, manifest.lazy)
    except layout.LayoutError as exc:
        raise BadRequest(exc.message, code=exc.code, details=exc.details) from exc
