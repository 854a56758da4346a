"""Wire types for adoption and release health."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tradewind.analytics.timeline import Span
from tradewind.releases.schemas import Status


class VersionAdoptionOut(BaseModel):
    package_version: str = Field(description="as devices report it; empty: unknown")
    checks: list[int] = Field(description="update checks per bucket")
    devices: list[int] = Field(description="distinct devices per bucket (estimate)")
    total_checks: int
    total_devices: int = Field(description="distinct devices over the whole window (estimate)")


class UndefinedKeyOut(BaseModel):
    key: str = Field(description="an x-dimension key devices send that is no dimension here")
    checks: int = Field(description="update checks that carried it in the window")


class AdoptionOut(BaseModel):
    span: Span
    since: datetime
    until: datetime
    buckets: list[datetime] = Field(description="bucket starts (UTC), oldest first")
    versions: list[VersionAdoptionOut] = Field(description="newest package version first")
    active_devices: list[int] = Field(description="distinct devices that checked, per bucket")
    total_active_devices: int
    total_checks: int
    anonymous_checks: int
    anonymous_share: float | None = Field(
        description="anonymous_checks / total_checks; null without checks"
    )
    undefined_keys: list[UndefinedKeyOut] = Field(
        description="x-dimension keys devices sent that the application does not define "
        "(targeting ignores them: often a misspelt or differently cased key), most sent first"
    )


class FailureFiguresOut(BaseModel):
    downloads: int
    download_failures: int
    installs: int
    install_failures: int
    rollbacks: int
    failures: int = Field(description="download_failures + install_failures + rollbacks")
    trials: int = Field(description="installs + failures")
    failure_rate: float = Field(description="failures / trials; 0 without trials")
    failure_rate_low: float = Field(description="Wilson 95% interval, lower bound")
    failure_rate_high: float = Field(description="Wilson 95% interval, upper bound")


class BaselineOut(BaseModel):
    release_id: int
    status: Status
    package_version: int
    checks: int
    anonymous_checks: int
    figures: FailureFiguresOut


class HealthPointOut(BaseModel):
    bucket: datetime
    checks: int = Field(description="checks served this release")
    running: int = Field(description="distinct devices that checked running its version")
    active: int = Field(description="distinct devices that checked")
    adoption: float = Field(description="running / active; 0 without active devices")
    downloads: int
    installs: int
    failures: int


class ReleaseHealthOut(BaseModel):
    release_id: int
    status: Status
    percentage: float
    channel: str
    package_version: int
    started_at: datetime | None
    concluded_at: datetime | None
    checks: int = Field(description="update checks served this release")
    anonymous_checks: int = Field(description="of those, checks without a device identifier")
    anonymous_share: float | None = Field(description="null without checks")
    audience_anonymous_share: float | None = Field(
        description="share of checks without identifier among those served this release or "
        "its baseline: devices a staged rollout cannot reach; null without checks"
    )
    devices: int = Field(description="distinct devices served this release (estimate)")
    devices_running: int = Field(
        description="distinct devices that checked while running its package version since "
        "the release started (estimate)"
    )
    figures: FailureFiguresOut
    baseline: BaselineOut | None
    failure_rate_difference: float | None = Field(
        description="failure_rate minus the baseline's; null unless both have trials"
    )
    time_to_50_seconds: float | None = Field(
        description="from start until half of the active devices ran its version; null if not yet"
    )
    time_to_90_seconds: float | None
    series_span: Span
    series: list[HealthPointOut]
