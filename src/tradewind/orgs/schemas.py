"""Wire types for organisations and applications."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, StrictBool

from tradewind.names import DimensionName, DisplayName, Slug


class OrgCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Slug
    display_name: DisplayName = ""


class OrgUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: DisplayName


class OrgOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    display_name: str
    created_at: datetime
    updated_at: datetime


class AppCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Slug
    display_name: DisplayName = ""
    identifier_dimension: DimensionName | None = None
    channel_dimension: DimensionName | None = None


class AppUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: DisplayName | None = None
    identifier_dimension: DimensionName | None = None
    channel_dimension: DimensionName | None = None
    # Accept device events without the ingest key (app admins).
    ingest_keyless: StrictBool | None = None


class AppOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    display_name: str
    identifier_dimension: str | None
    channel_dimension: str | None
    # Devices send it as x-ingest-key to POST /analytics/events (docs/analytics.md).
    ingest_key: str
    ingest_keyless: bool
    created_at: datetime
    updated_at: datetime
