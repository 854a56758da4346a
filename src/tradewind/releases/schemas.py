"""Wire types for releases."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tradewind.names import Slug

Timeout = Annotated[int, Field(ge=0, le=3_600_000, strict=True, description="milliseconds")]
Value = Annotated[str, StringConstraints(max_length=256)]
Notes = Annotated[str, StringConstraints(max_length=10_000)]
Range = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
FilePath = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Percentage = Annotated[
    Decimal, Field(description="0 to 100 with at most two decimals, e.g. 12.5 or 0.01")
]
JsonObject = dict[str, Any]
Status = Literal[
    "created", "in_progress", "paused", "concluded", "superseded", "retired", "discarded"
]


class ConditionIn(BaseModel):
    """`eq`: one value; `in`: one of 1..N values; `semver`: one npm-style range."""

    model_config = ConfigDict(extra="forbid")
    dimension: Annotated[str, StringConstraints(min_length=1, max_length=63)]
    op: Literal["eq", "in", "semver"]
    values: Annotated[list[Value], Field(min_length=1, max_length=1000)]


class ConditionOut(BaseModel):
    dimension: str
    op: Literal["eq", "in", "semver"]
    values: list[str]


class ResourceRef(BaseModel):
    """A file of the application; without sha256, the newest content uploaded at that path."""

    model_config = ConfigDict(extra="forbid")
    path: FilePath
    sha256: Sha256 | None = None


ResourceIn = FilePath | ResourceRef
Target = Annotated[list[ConditionIn], Field(max_length=64)]
Resources = Annotated[list[ResourceIn], Field(max_length=1000)]


class ConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    boot_timeout: Timeout = 1000
    release_config_timeout: Timeout = 1000
    properties: JsonObject = Field(default_factory=dict)


class ConfigUpdate(BaseModel):
    """Fields given replace the stored ones whole (`properties` is not merged)."""

    model_config = ConfigDict(extra="forbid")
    boot_timeout: Timeout | None = None
    release_config_timeout: Timeout | None = None
    properties: JsonObject | None = None


class ReleaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    package_version: Annotated[int, Field(ge=1, strict=True)]
    config: ConfigIn = Field(default_factory=ConfigIn)
    resources: Resources = Field(default_factory=list)
    package_properties: JsonObject | None = Field(
        None, description="served as package.properties; omitted: the package's own properties"
    )
    target: Target = Field(default_factory=list)
    percentage: Percentage = Decimal(0)
    notes: Notes = ""
    channel: Slug = "production"
    binary_version_range: Range | None = None
    mandatory: bool = False


class ReleaseUpdate(BaseModel):
    """Only a `created` release can be edited; absent fields keep their value."""

    model_config = ConfigDict(extra="forbid")
    package_version: Annotated[int, Field(ge=1, strict=True)] | None = None
    config: ConfigUpdate | None = None
    resources: Resources | None = None
    package_properties: JsonObject | None = Field(
        None, description="omitted while package_version changes: the new package's properties"
    )
    target: Target | None = None
    percentage: Percentage | None = None
    notes: Notes | None = None
    channel: Slug | None = None
    binary_version_range: Range | None = None
    mandatory: bool | None = None


class RampIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    percentage: Percentage | None = Field(
        None, description="omitted: the percentage the release was created with"
    )


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    notes: Notes | None = None


class ConfigOut(BaseModel):
    boot_timeout: int
    release_config_timeout: int
    version: str = Field(description="what devices receive as config.version; unique per release")
    properties: JsonObject


class PackageRefOut(BaseModel):
    version: int
    index: str = Field(description="path of the package's index file")


class FileRefOut(BaseModel):
    path: str
    sha256: str
    size: int


class HistoryEntryOut(BaseModel):
    action: str
    actor: str | None
    from_state: str | None
    to_state: str | None
    percentage: float | None
    details: JsonObject
    at: datetime


class ReleaseOut(BaseModel):
    id: int
    status: Status
    percentage: float
    package: PackageRefOut
    config: ConfigOut
    package_properties: JsonObject
    resources: list[FileRefOut]
    target: list[ConditionOut]
    channel: str
    binary_version_range: str | None
    mandatory: bool
    notes: str
    rolled_back_from_id: int | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    concluded_at: datetime | None


class ReleaseDetail(ReleaseOut):
    history: list[HistoryEntryOut]


class ExplainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    context: Annotated[dict[str, Value], Field(max_length=200)] = Field(default_factory=dict)
    identifier: Value | None = Field(
        None,
        description="the device identifier (?toss=); omitted: the application's identifier "
        "dimension taken from the context, if any",
    )
    channel: Slug = "production"


class CandidateOut(BaseModel):
    release_id: int
    status: str
    matched: bool
    failed_condition: ConditionOut | None
    weight: int
    bucket: int | None
    in_rollout: bool | None
    applicable: bool
    reason: str


class ExplainOut(BaseModel):
    channel: str
    identifier: str | None
    winner: int | None = Field(description="the id of the release served, or null")
    reason: str
    candidates: list[CandidateOut]
