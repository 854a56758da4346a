"""report_status/deploy and report_status/download: device reports into the signal pipeline.

    download                        -> download_completed   (release of the label)
    deploy, DeploymentSucceeded     -> install_succeeded    (+ the device as active on it)
    deploy, DeploymentFailed        -> install_failed       (counts for the rollout guard)
    deploy without label            -> the device as active on its binary version

Reports are limited per client address (token buckets, 429 beyond), bodies to a few KB.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.types import Receive, Scope, Send

from tradewind.codepush.keys import key_hash
from tradewind.codepush.snapshot import DeploymentSnapshot
from tradewind.serving.responses import ErrorAnswer, Message
from tradewind.signals.model import MAX_PACKAGE_VERSION, Metric
from tradewind.targeting.conditions import parse_version

if TYPE_CHECKING:
    from tradewind.codepush.handler import CodePushHandler

STATUSES = {
    "DeploymentSucceeded": Metric.INSTALL_SUCCEEDED,
    "DeploymentFailed": Metric.INSTALL_FAILED,
    "Downloaded": Metric.DOWNLOAD_COMPLETED,
}
# SDKs from this version on report without a client id (the server counts, not tracks).
METRICS_BREAKING_VERSION = parse_version("1.5.2-beta")

OK_START: Message = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"2")],
}
OK_BODY: Message = {"type": "http.response.body", "body": b"OK"}


def _bad(message: str, code: str = "invalid_report") -> ErrorAnswer:
    return ErrorAnswer(400, code, message)


class Rejected(Exception):
    def __init__(self, answer: ErrorAnswer) -> None:
        super().__init__(answer.start["status"])
        self.answer = answer


def _field(body: dict[str, Any], snake: str, camel: str) -> str:
    value = body.get(camel) or body.get(snake)
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise Rejected(_bad(f"{snake} must be a string"))
    return value


async def read_body(receive: Receive, limit: int) -> bytes:
    body = bytearray()
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > limit:
            raise Rejected(
                ErrorAnswer(413, "report_too_large", f"a report is at most {limit} bytes")
            )
        more = message.get("more_body", False)
    return bytes(body)


def parse(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise Rejected(_bad("the request body is not valid JSON", "malformed_json")) from exc
    if not isinstance(data, dict):
        raise Rejected(_bad("the request body must be a JSON object", "malformed_json"))
    return data


def _client_address(scope: Scope, header: bytes) -> str:
    """The socket's address, or behind a proxy the last entry of its header (the address the
    proxy itself saw), as for device event ingest."""
    if header:
        for name, value in scope["headers"]:
            if name == header:
                return bytes(value).rsplit(b",", 1)[-1].strip().decode("latin-1")
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _sdk_version(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"x-codepush-sdk-version":
            return bytes(value)
    return b""


async def handle(
    handler: CodePushHandler, kind: str, scope: Scope, receive: Receive, send: Send
) -> None:
    try:
        wait = handler.limits.take(_client_address(scope, handler.address_header))
        if wait > 0:
            raise Rejected(_too_many(wait))
        body = parse(await read_body(receive, handler.max_body))
        key = _field(body, "deployment_key", "deploymentKey").strip()
        if kind == "deploy":
            snapshot, metric, label, version = _deploy(handler, scope, body, key)
        else:
            snapshot, metric, label, version = _download(handler, body, key)
        _record(handler, snapshot, metric, label, version, body)
    except Rejected as rejected:
        await send(rejected.answer.start)
        await send(rejected.answer.body_message)
        return
    await send(OK_START)
    await send(OK_BODY)


def _too_many(wait: float) -> ErrorAnswer:
    retry = str(int(wait) + 1).encode()
    return ErrorAnswer(
        429,
        "rate_limited",
        "too many reports from this client; slow down",
        [(b"retry-after", retry)],
    )


def _snapshot(handler: CodePushHandler, key: str) -> DeploymentSnapshot:
    snapshot = handler.store.by_key.get(key_hash(key))
    if snapshot is None:
        raise Rejected(ErrorAnswer(404, "deployment_not_found", "no such deployment key"))
    return snapshot


def _deploy(
    handler: CodePushHandler, scope: Scope, body: dict[str, Any], key: str
) -> tuple[DeploymentSnapshot, Metric | None, str, str]:
    app_version = _field(body, "app_version", "appVersion")
    if not key or not app_version:
        raise Rejected(
            _bad("a deploy status report must contain an app version and a deployment key")
        )
    label = body.get("label") or ""
    if label:
        status = body.get("status")
        if not status:
            raise Rejected(_bad("a deploy status report for a labelled package needs a status"))
        if not isinstance(label, str) or status not in STATUSES:
            raise Rejected(_bad(f"invalid status: {str(status)[:50]}"))
    if not _modern_sdk(scope) and not _field(body, "client_unique_id", "clientUniqueId"):
        raise Rejected(_bad("a deploy status report from this SDK needs a clientUniqueId"))
    snapshot = _snapshot(handler, key)
    metric = STATUSES[body["status"]] if label else None
    return snapshot, metric, label, app_version


def _modern_sdk(scope: Scope) -> bool:
    version = parse_version(_sdk_version(scope).decode("latin-1"))
    return (
        version is not None
        and METRICS_BREAKING_VERSION is not None
        and (version >= METRICS_BREAKING_VERSION)
    )


def _download(
    handler: CodePushHandler, body: dict[str, Any], key: str
) -> tuple[DeploymentSnapshot, Metric | None, str, str]:
    label = body.get("label")
    if not key or not label or not isinstance(label, str):
        raise Rejected(_bad("a download status report must contain a deployment key and a label"))
    return _snapshot(handler, key), Metric.DOWNLOAD_COMPLETED, label, ""


def _record(
    handler: CodePushHandler,
    snapshot: DeploymentSnapshot,
    metric: Metric | None,
    label: str,
    app_version: str,
    body: dict[str, Any],
) -> None:
    signals = handler.signals
    if signals is None:
        return
    release_id = snapshot.info.labels.get(label, 0) if label else 0
    running = (label or app_version)[:MAX_PACKAGE_VERSION]
    if metric is not None:
        signals.count(snapshot.app_id, metric, release_id, running)
    client = _field(body, "client_unique_id", "clientUniqueId")
    if client and metric in (None, Metric.INSTALL_SUCCEEDED):
        signals.device(snapshot.app_id, release_id, running, client[:200])
