"""Request ids and the management access line, as one ASGI middleware around the API.

The id comes from the caller's `x-request-id` (when it is a sane token) or is generated; it is
echoed in the response, bound to every log line written while the request runs, and written in
one access line per request with the route, status, duration, actor and outcome (the error code
of a failed request). Query strings, headers and bodies are never logged.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

import fastapi.routing
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradewind.metrics.http import observe_request

_effective_context = getattr(fastapi.routing, "_get_scope_effective_route_context", None)
log = logging.getLogger("tradewind.access")
HEADER = b"x-request-id"
_VALID_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
# Probes and scrapes arrive every few seconds: their access lines are debug-level.
_PROBES = ("/health/", "/metrics")
# Error envelopes are small; a larger body is not read for its code.
_MAX_ERROR_BODY = 16 * 1024


def request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER and _VALID_ID.fullmatch(value):
            return str(value.decode("ascii"))
    return uuid.uuid4().hex


def actor_of(scope: Scope) -> str:
    """Who made the request, as the authentication dependency recorded it."""
    principal = scope.get("state", {}).get("principal")
    if principal is None:
        return "anonymous"
    if principal.token is not None:
        return f"user:{principal.user_id} token:{principal.token.token_id}"
    return f"user:{principal.user_id}"


def error_code(body: bytes) -> str:
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return "error"
    return str(code) if isinstance(code, str) else "error"


def _template(scope: Scope) -> object:
    # FastAPI >= 0.160 keeps the routes of included routers relative (scope["route"].path is
    # "/auth/login") and the full template in its effective route context.
    if _effective_context is not None:
        template = getattr(_effective_context(scope), "path_format", None)
        if template:
            return template
    return getattr(scope.get("route"), "path_format", None)


def route_of(scope: Scope, root_path: str) -> str:
    """The matched route's template (`/api/v1/orgs/{org}`), never the raw path: bounded for
    metric labels. Mounted applications (the dashboard) add their mount path."""
    template = _template(scope)
    if not isinstance(template, str):
        return "(unmatched)"
    mount = scope.get("root_path", "")[len(root_path) :]
    return mount + template if not template.startswith(mount) else template


class RequestTelemetry:
    """Request id, access line and management metrics for every request to `app`."""

    def __init__(self, app: ASGIApp, metrics: bool = True) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        started = time.perf_counter()
        root_path = scope.get("root_path", "")
        seen: dict[str, Any] = {"status": 500, "body": b""}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER, rid.encode())]
            elif message["type"] == "http.response.body" and seen["status"] >= 400:
                seen["body"] = (seen["body"] + message.get("body", b""))[:_MAX_ERROR_BODY]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=rid):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                self._finish(scope, root_path, seen, time.perf_counter() - started)

    def _finish(self, scope: Scope, root_path: str, seen: dict[str, Any], seconds: float) -> None:
        status: int = seen["status"]
        route = route_of(scope, root_path)
        if self.metrics:
            observe_request(scope, route, status, seconds)
        quiet = route.startswith(_PROBES)
        log.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %d",
            scope["method"],
            scope["path"],
            status,
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "actor": actor_of(scope),
                "outcome": "ok" if status < 400 else error_code(seen["body"]),
            },
        )
