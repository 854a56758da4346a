"""Wire types of the CodePush management routes."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, ValidationError

from tradewind.errors import BadRequest

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=10_000)]
Range = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Rollout = Annotated[Decimal, Field(ge=1, le=100, description="percent of devices, 1 to 100")]


class DeploymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name


class DeploymentOut(BaseModel):
    name: str
    channel: str = Field(description="the Tradewind channel of this deployment's releases")
    key: str | None = Field(
        description="the deployment key devices send; null when the keyring can no longer "
        "open it (rotate it)"
    )
    created_at: datetime


class ReleaseOptions(BaseModel):
    """The `manifest` part of a CodePush release upload, or the body of a promotion."""

    model_config = ConfigDict(extra="forbid")
    target_binary: Range | None = Field(
        None, description="npm semver range of binary versions (required to release a zip)"
    )
    mandatory: StrictBool | None = None
    disabled: StrictBool = False
    rollout: Rollout = Decimal(100)
    description: Description | None = None


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        None, description="the label to roll back to; omitted: the release before the latest"
    )


class CodePushReleaseOut(BaseModel):
    label: str
    release_id: int = Field(description="the Tradewind release (ramp, pause, conclude it there)")
    status: str
    package_hash: str
    target_binary: str
    mandatory: bool
    disabled: bool
    rollout: float
    description: str
    size: int
    diffs: int = Field(description="diff zips built so far")
    created_at: datetime


class LabelMetrics(BaseModel):
    active: int = Field(description="distinct devices that ran it in the last 30 days")
    downloaded: int = 0
    installed: int = 0
    failed: int = 0


class MetricsOut(BaseModel):
    metrics: dict[str, LabelMetrics]


def parse_options(raw: bytes) -> ReleaseOptions:
    try:
        data = json.loads(raw or b"{}")
        return ReleaseOptions.model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise BadRequest(
            f"the release options are not valid: {str(exc)[:300]}", code="invalid_release_options"
        ) from exc
