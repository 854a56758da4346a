"""Wire types of the Expo publishing routes."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tradewind.names import Slug
from tradewind.releases.schemas import FilePath, Notes, Percentage, Sha256

Platform = Literal["android", "ios"]
ALL_PLATFORMS: tuple[Platform, ...] = ("android", "ios")
RuntimeVersion = Annotated[
    str, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")
]


class FilePin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: FilePath
    sha256: Sha256


class ExpoReleaseIn(BaseModel):
    """Release each new package at once: one release per platform on `channel`, targeting
    its platform and runtime version. 100 concludes it (devices of that channel, runtime
    version and platform get it now); less starts a staged rollout at that percentage."""

    model_config = ConfigDict(extra="forbid")
    channel: Slug = "production"
    percentage: Percentage = Decimal(100)
    notes: Notes = ""


class ExpoPublish(BaseModel):
    """An `npx expo export` output whose files were uploaded (PUT /files/...) beforehand."""

    model_config = ConfigDict(extra="forbid")
    metadata: dict[str, Any] = Field(description="The export's metadata.json, as is.")
    expo_config: dict[str, Any] | None = Field(
        None, description="The app config (`npx expo config --json`); served as extra.expoClient."
    )
    runtime_version: RuntimeVersion | None = Field(
        None, description="Omitted: read from expo_config (a string or the appVersion policy)."
    )
    platforms: Annotated[list[Platform], Field(min_length=1, max_length=2)] | None = Field(
        None, description="Omitted: every platform metadata.json exports."
    )
    files: Annotated[list[FilePin], Field(max_length=10_000)] = Field(
        default_factory=list,
        description="Contents to use, by path; a path not listed uses its newest upload.",
    )
    notes: Notes = ""
    release: ExpoReleaseIn | None = None


class EmbeddedRollbackIn(BaseModel):
    """Serve `rollBackToEmbedded` to a channel, runtime version and platforms: devices go
    back to the update built into the app binary."""

    model_config = ConfigDict(extra="forbid")
    runtime_version: RuntimeVersion
    platforms: Annotated[list[Platform], Field(min_length=1, max_length=2)] = Field(
        default_factory=lambda: list(ALL_PLATFORMS)
    )
    release: ExpoReleaseIn = Field(default_factory=ExpoReleaseIn)


class ExpoPackageOut(BaseModel):
    platform: Platform
    runtime_version: str
    package_version: int
    release_id: int | None
    release_status: str | None
    update_id: str | None = Field(None, description="The update id devices see, once released.")


class ExpoPublishOut(BaseModel):
    packages: list[ExpoPackageOut]
