"""Wire types for files."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Sha256Hex = Annotated[
    str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$", to_lower=True, strip_whitespace=True)
]
# Paths are checked by the service (400 `invalid_path`); this only bounds the JSON.
RawPath = Annotated[str, StringConstraints(max_length=4096)]

MAX_CHECK_ITEMS = 10_000


class FileOut(BaseModel):
    path: str
    sha256: str
    size: int
    content_type: str
    uploaded_by: str | None = Field(description="Email of the uploader (null once deleted).")
    created_at: datetime


class FileRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: RawPath
    sha256: Sha256Hex


class FilesCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: list[FileRef] = Field(max_length=MAX_CHECK_ITEMS)


class BatchLimits(BaseModel):
    max_bytes: int = Field(description="The largest archive the batch route accepts.")
    max_files: int = Field(description="The most entries one archive may hold.")
    max_file_size: int = Field(description="The largest file an archive may hold.")


class FilesCheckOut(BaseModel):
    missing: list[FileRef] = Field(
        description="The entries with no file at that path with that content: upload these."
    )
    batch: BatchLimits = Field(
        description="Limits of `POST …/files/batch`, which uploads many files in one request."
    )


class StoredFileOut(BaseModel):
    path: str
    sha256: str
    size: int
    content_type: str
    created: bool = Field(description="False when the file (path and content) existed already.")


class FilesBatchOut(BaseModel):
    files: list[StoredFileOut] = Field(description="Every file of the archive, in its order.")
