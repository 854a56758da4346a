"""Wire types of device event ingest: the Airborne analytics server's event body."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from tradewind.signals.model import MAX_PACKAGE_VERSION

MAX_DURATION_MS = 7 * 24 * 3600 * 1000  # a week; anything longer is not a real measurement
MAX_SIZE_BYTES = 1 << 40  # 1 TiB

Short = Annotated[str, StringConstraints(max_length=256)]
Version = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=MAX_PACKAGE_VERSION, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=63)]
Duration = Annotated[StrictInt, Field(ge=0, le=MAX_DURATION_MS)]


class EventType(StrEnum):
    """Airborne's OtaEventType, spelled as its SDK and analytics server spell it."""

    UPDATE_CHECK = "UPDATE_CHECK"
    UPDATE_AVAILABLE = "UPDATE_AVAILABLE"
    UPDATE_NOT_AVAILABLE = "UPDATE_NOT_AVAILABLE"
    DOWNLOAD_STARTED = "DOWNLOAD_STARTED"
    DOWNLOAD_PROGRESS = "DOWNLOAD_PROGRESS"
    DOWNLOAD_COMPLETED = "DOWNLOAD_COMPLETED"
    DOWNLOAD_FAILED = "DOWNLOAD_FAILED"
    APPLY_STARTED = "APPLY_STARTED"
    APPLY_SUCCESS = "APPLY_SUCCESS"
    APPLY_FAILURE = "APPLY_FAILURE"
    ROLLBACK_INITIATED = "ROLLBACK_INITIATED"
    ROLLBACK_COMPLETED = "ROLLBACK_COMPLETED"
    ROLLBACK_FAILED = "ROLLBACK_FAILED"


class DeviceEvent(BaseModel):
    """One event. Unknown fields are ignored (newer SDKs may send more), as Airborne does."""

    model_config = ConfigDict(extra="ignore")

    org_id: Name
    app_id: Name
    device_id: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    session_id: Short | None = None
    event_type: EventType
    release_id: Annotated[str, StringConstraints(max_length=64)] | StrictInt | None = None
    current_js_version: Version | None = None
    target_js_version: Version | None = None
    rollout_percentage: Annotated[StrictInt, Field(ge=0, le=100)] | None = None
    os_version: Short | None = None
    app_version: Short | None = None
    device_type: Short | None = None
    network_type: Short | None = None
    error_code: Short | None = None
    error_message: Annotated[str, StringConstraints(max_length=4096)] | None = None
    stack_trace: Annotated[str, StringConstraints(max_length=16384)] | None = None
    download_size_bytes: Annotated[StrictInt, Field(ge=0, le=MAX_SIZE_BYTES)] | None = None
    download_time_ms: Duration | None = None
    apply_time_ms: Duration | None = None
    payload: dict[str, Any] | None = None


class IngestResult(BaseModel):
    status: str = "success"
    message: str
    accepted: int  # events validated and counted
    counted: int  # of those, events that feed a counter (the others are accepted, not counted)


def request_body_schema() -> dict[str, Any]:
    """The OpenAPI request body of POST /analytics/events (the route reads the body itself, to
    enforce its size limit before parsing): one event, an array, or {"events": [...]}."""
    event = DeviceEvent.model_json_schema()
    definitions = event.pop("$defs", {})
    event["properties"]["event_type"] = definitions["EventType"]
    array = {"type": "array", "items": event}
    wrapped = {"type": "object", "properties": {"events": array}, "required": ["events"]}
    schema = {"oneOf": [event, array, wrapped]}
    return {"required": True, "content": {"application/json": {"schema": schema}}}
