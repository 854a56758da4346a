"""The webhook event names and the audited actions they come from (no imports: the CLI
lists them without loading the database layer)."""

from __future__ import annotations

# audit action -> webhook event
EVENT_OF_ACTION = {
    "release.create": "release.created",
    "release.ramp": "release.ramped",
    "release.pause": "release.paused",
    "release.resume": "release.resumed",
    "release.conclude": "release.concluded",
    "release.rollback": "release.rolled_back",
    "release.discard": "release.discarded",
    "package.create": "package.uploaded",
}
PAUSED_BY_GUARD = "release.paused_by_guard"
GUARD_LABEL = "guard"
PING = "ping"
EVENTS = sorted({*EVENT_OF_ACTION.values(), PAUSED_BY_GUARD})
