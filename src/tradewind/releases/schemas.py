"""Wire types for releases."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

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
    "created",
    "in_progress",
    "paused",
    "concluded",
    "superseded",
    "retired",
    "discarded",
    "variant",
]


# Package versions are a 32-bit integer column: larger numbers are refused as invalid input
# rather than reaching the database (SQLite overflows at 2**63, PostgreSQL at 2**31).
PackageVersion = Annotated[int, Field(ge=1, le=2**31 - 1, strict=True)]


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


class VariantIn(BaseModel):
    """One arm of an experiment: its traffic share and what it changes."""

    model_config = ConfigDict(extra="forbid")
    name: Slug
    percentage: Percentage = Field(description="share of the experiment's devices")
    properties: JsonObject = Field(
        default_factory=dict, description="overlaid on the release's config.properties"
    )
    package_version: PackageVersion | None = Field(
        None, description="omitted: the release's package"
    )


Variants = Annotated[list[VariantIn], Field(min_length=1, max_length=10)]


class VariantSharesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    percentages: Annotated[dict[str, Percentage], Field(max_length=10)] = Field(
        description="variant name -> share; every variant, adding up to 100"
    )


class VariantOut(BaseModel):
    name: str
    release_id: int = Field(description="the variant's own id: its config.version and signals")
    percentage: float
    package_version: int
    properties: JsonObject = Field(description="the config.properties the variant sets")


class ReleaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    package_version: PackageVersion | None = Field(
        None,
        description="omitted: a config-only release, with the package its audience is served "
        "now (the concluded release of the same target, else of the empty target)",
    )
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
    mandatory: StrictBool = False
    variants: Variants | None = Field(
        None, description="an experiment: 2 or more variants whose shares add up to 100"
    )


class ReleaseUpdate(BaseModel):
    """Only a `created` release can be edited; absent fields keep their value."""

    model_config = ConfigDict(extra="forbid")
    package_version: PackageVersion | None = None
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
    mandatory: StrictBool | None = None


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
    variants: list[VariantOut] | None = Field(
        None, description="an experiment's variants while it runs; null otherwise"
    )
    parent_id: int | None = Field(None, description="a variant: its experiment's release")
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


class PropertySourceOut(BaseModel):
    name: str
    value: Any
    source: Literal["default", "release", "variant"] = Field(
        description="default: the schema's default value; release: set by the winning release; "
        "variant: set by the device's experiment variant"
    )
    release_id: int | None = Field(
        description="the release (or variant release) that sets it; null for a default"
    )


class ExplainOut(BaseModel):
    channel: str
    identifier: str | None
    winner: int | None = Field(description="the id of the release served, or null")
    reason: str
    candidates: list[CandidateOut]
    variant: str | None = Field(
        None, description="the device's variant, when the winner is an experiment"
    )
    variant_release_id: int | None = Field(None, description="that variant's id (config.version)")
    variant_bucket: int | None = Field(None, description="the device's variant bucket, 0..9999")
    cohorts: dict[str, str] = Field(
        default_factory=dict,
        description="cohort dimension -> the cohort the context falls in (first match wins)",
    )
    properties: list[PropertySourceOut] = Field(
        default_factory=list,
        description="the config.properties the winner's document carries, and where each "
        "value comes from",
    )
    undefined_keys: list[str] = Field(
        description="context keys the application defines no dimension for: targeting ignores "
        "them (a misspelt or differently cased key serves the baseline)"
    )


class FileChangeOut(BaseModel):
    path: str
    change: str = Field(description="added, removed, changed (content) or moved (kind only)")
    kind: str = Field(description="index, important or lazy (the old kind when removed)")
    old_size: int | None
    new_size: int | None


class ValueChangeOut(BaseModel):
    key: str
    change: str = Field(description="added, removed or changed")
    old: Any
    new: Any


class ReleaseChangesOut(BaseModel):
    release_id: int | None
    against_release_id: int | None = Field(
        description="the release it replaces for its audience; null: nothing is served there"
    )
    package_version: int | None
    against_package_version: int | None
    files: list[FileChangeOut]
    download_bytes: int = Field(description="bytes of added and changed files")
    config: list[ValueChangeOut] = Field(description="boot_timeout, release_config_timeout")
    properties: list[ValueChangeOut] = Field(description="config.properties, by top-level key")
    package_properties: list[ValueChangeOut]


class TimelineEntryOut(BaseModel):
    id: int
    release_id: int
    action: str
    from_state: str | None
    to_state: str | None
    actor: str | None
    how: str | None = Field(None, description="session, SSO or the API token's name")
    details: dict[str, Any]
    at: datetime


class TimelineOut(BaseModel):
    entries: list[TimelineEntryOut]
    next_before: int | None
