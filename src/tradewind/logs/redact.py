"""Nothing secret reaches a log line: values of sensitive keys are replaced, and token-shaped
strings (sessions, API and ingest keys, bearer credentials, URL passwords) are masked in
every text field."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

REDACTED = "[redacted]"
SENSITIVE_KEY = re.compile(
    r"pass(word)?|secret|token|authori[sz]ation|cookie|api[_-]?key|credential|signature",
    re.IGNORECASE,
)
_TOKEN_SHAPES = re.compile(
    r"\btw[stib]_[A-Za-z0-9_\-]{8,}"  # Tradewind sessions, API tokens, ingest keys
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/\-]+=*"  # an Authorization header value
    r"|(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"  # user:password@ in a URL
)


def scrub(text: str) -> str:
    return _TOKEN_SHAPES.sub(REDACTED, text)


def _clean(key: str, value: Any) -> Any:
    if SENSITIVE_KEY.search(key) and value not in (None, "", 0):
        return REDACTED
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, MutableMapping):
        return {k: _clean(str(k), v) for k, v in value.items()}
    return value


def redact_event(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: applied to every event, ours and the standard library's."""
    for key, value in list(event.items()):
        if key.startswith("_") or key == "event":
            continue
        event[key] = _clean(key, value)
    message = event.get("event")
    if isinstance(message, str):
        event["event"] = scrub(message)
    if isinstance(event.get("exception"), str):
        event["exception"] = scrub(event["exception"])
    return event
