"""Request bodies: Tradewind's JSON payload as is, or a Slack-compatible `{"text": …}`."""

from __future__ import annotations

import json
from typing import Any

FORMATS = ("json", "slack")


def render(format: str, payload: dict[str, Any]) -> bytes:
    document = {"text": slack_text(payload)} if format == "slack" else payload
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def slack_text(payload: dict[str, Any]) -> str:
    """One line, e.g. `Tradewind: release.ramped acme/shop release 12 → ramping (25%) by …`."""
    where = "/".join(part for part in (payload.get("org"), payload.get("app")) if part)
    text = f"Tradewind: {payload.get('event')}"
    if where:
        text += f" {where}"
    target = payload.get("object") or {}
    if target:
        text += f" {target.get('type')} {target.get('id')}"
    if payload.get("to_state"):
        text += f" → {payload['to_state']}"
    percentage = (payload.get("details") or {}).get("percentage")
    if isinstance(percentage, int | float):
        text += f" ({percentage:g}%)"
    if payload.get("actor"):
        text += f" by {payload['actor']}"
    return text
