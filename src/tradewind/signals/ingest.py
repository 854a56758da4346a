"""Device event ingest: parse a body of Airborne events, check each, count them all or none.

No database: applications, ingest keys and release ids come from the device snapshots.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tradewind.errors import (
    BadRequest,
    PayloadTooLarge,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)
from tradewind.serving.compiler import AppSnapshot
from tradewind.signals.model import Metric
from tradewind.signals.recorder import SignalRecorder
from tradewind.signals.schemas import DeviceEvent, EventType

# Events that feed a counter; the others are accepted and not counted (update checks are
# counted from the check itself, progress and "started" steps carry no outcome).
METRIC_OF: dict[EventType, Metric] = {
    EventType.UPDATE_AVAILABLE: Metric.UPDATE_AVAILABLE,
    EventType.DOWNLOAD_STARTED: Metric.DOWNLOAD_STARTED,
    EventType.DOWNLOAD_COMPLETED: Metric.DOWNLOAD_COMPLETED,
    EventType.DOWNLOAD_FAILED: Metric.DOWNLOAD_FAILED,
    EventType.APPLY_SUCCESS: Metric.INSTALL_SUCCEEDED,
    EventType.APPLY_FAILURE: Metric.INSTALL_FAILED,
    EventType.ROLLBACK_INITIATED: Metric.ROLLBACK,
}

_EVENTS = TypeAdapter(list[DeviceEvent])


@dataclass(frozen=True, slots=True)
class Signal:
    app_id: int
    metric: Metric | None  # None: accepted, not counted
    release_id: int
    package_version: str


def parse_body(body: bytes, max_events: int) -> list[DeviceEvent]:
    """One event, a JSON array of events, or {"events": [...]}; all valid or an error."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("the request body is not valid JSON", code="malformed_json") from exc
    items = _items(data)
    if len(items) > max_events:
        raise PayloadTooLarge(
            f"a batch holds at most {max_events} events, this one {len(items)}",
            code="batch_too_large",
            details={"max_events": max_events, "events": len(items)},
        )
    try:
        return _EVENTS.validate_python(items)
    except ValidationError as exc:
        errors = [_error(e) for e in exc.errors()]
        raise ValidationFailed(
            "some events are invalid; none was counted",
            code="invalid_event",
            details={"errors": errors},
        ) from exc


def _items(data: Any) -> list[Any]:
    if isinstance(data, list):
        items = data
    elif isinstance(data, dict) and isinstance(data.get("events"), list):
        items = data["events"]
    elif isinstance(data, dict):
        items = [data]
    else:
        raise ValidationFailed(
            'the body must be an event, an array of events or {"events": [...]}',
            code="invalid_event",
        )
    if not items:
        raise ValidationFailed("the batch holds no events", code="invalid_event")
    return items


def _error(error: Any) -> dict[str, Any]:
    loc = list(error.get("loc", ()))
    index = loc.pop(0) if loc and isinstance(loc[0], int) else None
    return {"index": index, "loc": loc, "type": error.get("type"), "message": error.get("msg")}


def resolve(
    events: list[DeviceEvent],
    apps: Mapping[str, AppSnapshot],
    loaded: bool,
    ingest_key: str | None,
) -> list[Signal]:
    """Check every event against its application (key, release id); raise on the first bad."""
    if not loaded:
        raise ServiceUnavailable("the server is loading; retry shortly", code="snapshots_loading")
    return [_signal(index, event, apps, ingest_key) for index, event in enumerate(events)]


def _signal(
    index: int, event: DeviceEvent, apps: Mapping[str, AppSnapshot], key: str | None
) -> Signal:
    snapshot = apps.get(f"{event.org_id}/{event.app_id}")
    if snapshot is None:
        raise ValidationFailed(
            f"event {index}: no application '{event.org_id}/{event.app_id}'",
            code="unknown_application",
            details={"index": index},
        )
    ingest = snapshot.source.ingest
    if not ingest.keyless and not _same(key, ingest.key):
        raise Unauthorized(
            f"event {index}: x-ingest-key is missing or is not this application's key",
            code="invalid_ingest_key",
            details={"index": index},
        )
    release_id = _release_id(event.release_id)
    if release_id is None or (release_id and release_id not in ingest.release_ids):
        raise ValidationFailed(
            f"event {index}: no release {event.release_id!r} in this application",
            code="unknown_release",
            details={"index": index},
        )
    version = event.target_js_version or event.current_js_version or ""
    return Signal(snapshot.app_id, METRIC_OF.get(event.event_type), release_id, version)


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _release_id(value: str | int | None) -> int | None:
    """0 when absent; None when not a release id at all."""
    if value is None or value == "":
        return 0
    if isinstance(value, int):
        return value if value > 0 else None
    text = value.strip()
    return int(text) if text.isdecimal() and len(text) <= 18 and int(text) > 0 else None


def record(recorder: SignalRecorder, signals: list[Signal]) -> int:
    """Count the checked events; returns how many fed a counter."""
    counted = 0
    for signal in signals:
        if signal.metric is not None:
            recorder.count(signal.app_id, signal.metric, signal.release_id, signal.package_version)
            counted += 1
    return counted
