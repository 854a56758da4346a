"""Wire types for packages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from tradewind.files.schemas import FileRef, RawPath
from tradewind.keys.uploads import UploadSignature

MAX_PACKAGE_FILES = 10_000
MAX_NOTES_LENGTH = 10_000

# A path names the newest content uploaded at that path; {"path", "sha256"} pins one content.
FileSpec = RawPath | FileRef


class PackageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    index: FileSpec = Field(description="The entry point (e.g. `index.android.bundle`).")
    important: list[FileSpec] = Field(
        default_factory=list,
        max_length=MAX_PACKAGE_FILES,
        description="Files the app needs before it boots the package.",
    )
    lazy: list[FileSpec] = Field(
        default_factory=list,
        max_length=MAX_PACKAGE_FILES,
        description="Files downloaded after boot.",
    )
    properties: dict[str, Any] = Field(default_factory=dict)
    notes: str = Field("", max_length=MAX_NOTES_LENGTH)
    signature: UploadSignature | None = Field(
        None, description="Detached signature of the package (required by the upload policy)."
    )
    reuse_identical: StrictBool = Field(
        False,
        description="When a package with exactly these files and properties exists, answer "
        "it (200, `reused: true`) instead of creating a new version.",
    )


class PackageFileOut(BaseModel):
    path: str
    sha256: str
    size: int
    content_type: str
    kind: str = Field(description="`index`, `important` or `lazy`.")


class PackageOut(BaseModel):
    version: int
    index: str = Field(description="Path of the index file.")
    files: list[PackageFileOut] = Field(description="The index, then important, then lazy files.")
    properties: dict[str, Any]
    notes: str
    created_by: str | None
    created_at: datetime
    reused: bool = Field(False, description="True when an existing identical package was answered.")


class PackageSummary(BaseModel):
    version: int
    live_releases: list[int] = Field(
        default_factory=list,
        description="Ids of this package's releases devices may get now (in progress, paused "
        "or concluded); empty when the package is not live.",
    )
    index: str
    file_count: int
    total_size: int
    properties: dict[str, Any]
    notes: str
    created_by: str | None
    created_at: datetime
