"""Audit events in words: "ramped release 7 to 50%", "added dimension os"."""

from __future__ import annotations

from typing import Any

from tradewind.models import AuditEvent

VERBS = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "pause": "paused",
    "resume": "resumed",
    "conclude": "concluded",
    "discard": "discarded",
    "retire": "retired",
    "supersede": "superseded",
    "add": "added",
    "remove": "removed",
    "leave": "left",
    "revoke": "revoked",
    "change_role": "changed the role of",
}
NOUNS = {
    "org_member": "member",
    "app_member": "member",
    "api_token": "API token",
    "organisation": "organisation",
    "application": "application",
}


def _percent(value: Any) -> str:
    return f"{value:g}%" if isinstance(value, int | float) else ""


def _object(event: AuditEvent, app: str | None) -> str:
    details = event.details or {}
    kind = event.object_type
    if kind == "release":
        return f"release {event.object_id}"
    if kind == "package":
        return f"package {details.get('version', event.object_id)}"
    if kind == "application" and app:
        return f"application {app}"
    name = details.get("email") or details.get("name")
    noun = NOUNS.get(kind, kind.replace("_", " "))
    return f"{noun} {name}" if name else noun


def _release_text(event: AuditEvent, what: str) -> str | None:
    details = event.details or {}
    verb = event.action.split(".", 1)[1]
    if verb == "ramp":
        return f"ramped {what} to {_percent(details.get('percentage'))}"
    if verb == "rollback":
        return f"rolled back: {what} restores release {details.get('rolled_back_from_id')}"
    if verb == "create" and event.to_state == "concluded":
        return f"created {what}, live at once"
    if verb == "create":
        return f"created {what} at {_percent(details.get('percentage'))}"
    return None


def describe(event: AuditEvent, app: str | None = None) -> str:
    """The event as a short phrase (the actor is shown separately)."""
    what = _object(event, app)
    if event.object_type == "release":
        text = _release_text(event, what)
        if text:
            return text
    verb = event.action.rsplit(".", 1)[-1]
    phrase = f"{VERBS.get(verb, verb.replace('_', ' '))} {what}"
    if event.object_type.endswith("_member") and event.to_state:
        phrase += f" ({event.from_state or '—'} → {event.to_state})"
    return phrase
