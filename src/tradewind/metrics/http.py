"""Management request metrics: count and latency by route template, plus uploads."""

from __future__ import annotations

from starlette.types import Scope

from tradewind.metrics.registry import HTTP_LATENCY, HTTP_REQUESTS, UPLOAD_BYTES, UPLOADS

APP_ROUTES = "/api/v1/orgs/{org}/apps/{app}"
# The upload routes, by the kind reported in tradewind_uploads_total: a bundle archive, a
# package made of uploaded files, one file.
UPLOAD_ROUTES = {
    ("POST", f"{APP_ROUTES}/bundles"): "bundle",
    ("POST", f"{APP_ROUTES}/packages"): "package",
    ("PUT", f"{APP_ROUTES}/files/{{path}}"): "file",
}


def upload_kind(method: str, route: str) -> str | None:
    return UPLOAD_ROUTES.get((method, route))


def content_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def observe_request(scope: Scope, route: str, status: int, seconds: float) -> None:
    method: str = scope["method"]
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_LATENCY.labels(route, method).observe(seconds)
    kind = upload_kind(method, route)
    if kind is not None:
        UPLOADS.labels(kind, str(status)).inc()
        if status < 400:
            UPLOAD_BYTES.labels(kind).inc(content_length(scope))
