"""Wire types for rollout guards."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_RAMP_STEPS = 20
DEFAULT_MIN_SAMPLE = 100
DEFAULT_MAX_FAILURE_RATE = 0.05
DEFAULT_MAX_EXCESS = 0.02


class GuardSettings(BaseModel):
    """Limits of a rollout guard. Cross-field rules (ramp steps strictly increasing, an
    interval exactly when there are steps) are checked by the service (`invalid_ramp`)."""

    model_config = ConfigDict(extra="forbid")

    min_sample: int = Field(
        DEFAULT_MIN_SAMPLE,
        ge=1,
        le=1_000_000_000,
        description="Trials (installs + failures) needed before acting.",
    )
    max_failure_rate: float = Field(
        DEFAULT_MAX_FAILURE_RATE,
        ge=0.0,
        le=1.0,
        description="Pause when the Wilson 95% lower bound of the failure rate exceeds this.",
    )
    max_excess: float | None = Field(
        DEFAULT_MAX_EXCESS,
        ge=0.0,
        le=1.0,
        description="Pause when the lower bound exceeds the baseline release's failure rate "
        "by more than this; null: no comparison with the baseline.",
    )
    ramp_steps: list[int] | None = Field(
        None,
        min_length=1,
        max_length=MAX_RAMP_STEPS,
        description="Scheduled ramp: rollout percentages (1..100, increasing) to step through "
        "while the release is healthy; null: no scheduled ramp.",
    )
    ramp_interval_seconds: int | None = Field(
        None, ge=60, le=90 * 86400, description="Time between two scheduled ramp steps."
    )


class GuardTripOut(BaseModel):
    tripped_at: datetime
    reason: Literal["failure_rate", "excess_over_baseline"]
    figures: dict[str, Any] = Field(
        description="trials, failures, rate, wilson_low, wilson_high, baseline_release_id, "
        "baseline_rate and the limits in force."
    )


class AppGuardOut(BaseModel):
    guard: GuardSettings | None = Field(description="The application default; null: none.")


class ReleaseGuardOut(BaseModel):
    release_id: int
    source: Literal["release", "app", "none"] = Field(
        description="Where the guard in force comes from: the release's own, the application "
        "default, or none."
    )
    guard: GuardSettings | None = Field(description="The guard in force; null: none.")
    last_trip: GuardTripOut | None = Field(
        description="The most recent automatic pause of this release, if any."
    )
    next_ramp_step: int | None = Field(
        description="The percentage the scheduled ramp moves to next, if any."
    )
