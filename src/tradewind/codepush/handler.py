"""The CodePush device endpoints as one raw ASGI handler (no framework, no database).

    GET  /v0.1/public/codepush/update_check          GET  /updateCheck
    POST /v0.1/public/codepush/report_status/deploy  POST /reportStatus/deploy
    POST /v0.1/public/codepush/report_status/download POST /reportStatus/download

Errors are plain text with the stable code in `x-tradewind-error` (like the Airborne path);
the SDK turns any non-2xx answer into an error without reading the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus

from starlette.types import Receive, Scope, Send

from tradewind.codepush import reports
from tradewind.codepush.answers import Decided
from tradewind.codepush.decision import Request, in_rollout
from tradewind.codepush.keys import key_hash, well_formed
from tradewind.codepush.store import CodePushStore
from tradewind.codepush.versions import normalise, valid_version
from tradewind.metrics.devices import UNKNOWN_APPLICATION, Counts, count_answer
from tradewind.serving.responses import EMPTY_BODY, ErrorAnswer
from tradewind.signals.model import MAX_PACKAGE_VERSION
from tradewind.signals.ratelimit import TokenBuckets
from tradewind.signals.recorder import SignalRecorder

PREFIX = "/v0.1/public/codepush/"
LEGACY_CHECK = "/updateCheck"
LEGACY_REPORT = "/reportStatus/"
PREFIXES = (PREFIX, LEGACY_CHECK, LEGACY_REPORT)
MAX_QUERY = 4096
# Longer queries are answered without being remembered (the memo stays small).
MEMO_MAX_QUERY = 512

_CHECK_PATHS = {PREFIX + "update_check": False, LEGACY_CHECK: True}
_REPORT_PATHS = {
    PREFIX + "report_status/deploy": "deploy",
    PREFIX + "report_status/download": "download",
    LEGACY_REPORT + "deploy": "deploy",
    LEGACY_REPORT + "download": "download",
}

ERRORS = {
    "invalid_deployment_key": ErrorAnswer(
        400,
        "invalid_deployment_key",
        "an update check must include a valid deployment key (10 to 100 characters of "
        "A-Z, a-z, 0-9, _ and -)",
    ),
    "invalid_app_version": ErrorAnswer(
        400,
        "invalid_app_version",
        "an update check must include a binary version that conforms to semver (e.g. 1.0.0)",
    ),
    "query_too_long": ErrorAnswer(414, "query_too_long", "the query string is too long"),
    "deployment_not_found": ErrorAnswer(404, "deployment_not_found", "no such deployment key"),
    "not_found": ErrorAnswer(404, "not_found", "no such CodePush endpoint"),
    "method_not_allowed": ErrorAnswer(
        405, "method_not_allowed", "this endpoint does not accept that method"
    ),
    "snapshots_loading": ErrorAnswer(
        503,
        "snapshots_loading",
        "the server is loading its release snapshots; retry shortly",
        [(b"retry-after", b"1")],
    ),
}


def _first(params: dict[str, str], snake: str, camel: str) -> str:
    """`req.query.camel || req.query.snake`: the first non-empty of both spellings."""
    return params.get(camel) or params.get(snake) or ""


class CodePushHandler:
    __slots__ = ("address_header", "counts", "limits", "max_body", "signals", "store")

    def __init__(
        self,
        store: CodePushStore,
        signals: SignalRecorder | None,
        limits: TokenBuckets,
        max_body: int,
        address_header: str = "",
        counts: Counts | None = None,
    ) -> None:
        self.counts = counts  # None: metrics disabled
        self.address_header = address_header.lower().encode("latin-1")
        self.store = store
        self.signals = signals
        self.limits = limits
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        legacy = _CHECK_PATHS.get(path)
        if legacy is not None:
            if scope["method"] not in ("GET", "HEAD"):
                await self.check_error(send, "method_not_allowed")
                return
            await self.update_check(scope, send, legacy)
            return
        kind = _REPORT_PATHS.get(path)
        if kind is None:
            await error(send, "not_found")
        elif scope["method"] != "POST":
            await error(send, "method_not_allowed")
        else:
            await reports.handle(self, kind, scope, receive, send)

    async def update_check(self, scope: Scope, send: Send, legacy: bool) -> None:
        """One memo lookup by the raw query (without the client id) per request; the query is
        parsed, validated and decided only on a miss."""
        query: bytes = scope["query_string"]
        if len(query) > MAX_QUERY:
            await self.check_error(send, "query_too_long")
            return
        rest, client_raw = split_client_id(query)
        store = self.store
        key = (legacy, rest)
        found = store.memo.get(key)
        if found is None:
            found = self._resolve(legacy, rest)
            if len(rest) <= MEMO_MAX_QUERY and found != "snapshots_loading":
                store.remember(key, found)
        if isinstance(found, str):
            await self.check_error(send, found)
            return
        decided = found.decided
        chosen = decided.original
        rollout = decided.rollout
        if rollout is not None and client_raw:
            client = unquote_plus(client_raw.decode("latin-1"), errors="replace")
            if in_rollout(client, decided.rollout_percent, decided.rollout_tag):
                chosen = rollout
        if self.signals is not None:
            client_id = unquote_plus(client_raw.decode("latin-1"), errors="replace") or None
            self.signals.check(found.app_id, chosen.answer.release_id, found.running, client_id)
        count_answer(self.counts, found.application, chosen.start["status"])
        await send(chosen.start)
        await send(EMPTY_BODY if scope["method"] == "HEAD" else chosen.body_message)

    async def check_error(self, send: Send, code: str) -> None:
        """An update check answered with an error: counted for no application (the deployment
        is unknown or was never looked up)."""
        count_answer(self.counts, UNKNOWN_APPLICATION, ERRORS[code].start["status"])
        await error(send, code)

    def _resolve(self, legacy: bool, query: bytes) -> Found | str:
        """Validate (400 before any lookup), find the deployment (404), decide."""
        params = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        key = _first(params, "deployment_key", "deploymentKey").strip()
        if not well_formed(key):
            return "invalid_deployment_key"
        raw_version = _first(params, "app_version", "appVersion")
        app_version = normalise(raw_version)
        if valid_version(app_version) is None:
            return "invalid_app_version"
        snapshot = self.store.by_key.get(key_hash(key))
        if snapshot is None:
            return "deployment_not_found" if self.store.loaded else "snapshots_loading"
        label = params.get("label") or None
        request = Request(
            app_version=app_version,
            package_hash=_first(params, "package_hash", "packageHash") or None,
            label=label,
            is_companion=_first(params, "is_companion", "isCompanion").lower() == "true",
        )
        decided = snapshot.decided(legacy, raw_version, request)
        running = (label or app_version)[:MAX_PACKAGE_VERSION]
        return Found(snapshot.app_id, snapshot.info.application, decided, running)


@dataclass(frozen=True, slots=True)
class Found:
    app_id: int
    application: str  # org/app
    decided: Decided
    running: str  # the label the device runs, else its binary version (signals)


_CLIENT_PREFIXES = (b"client_unique_id=", b"clientUniqueId=")


def split_client_id(query: bytes) -> tuple[bytes, bytes]:
    """(the query without its client id, the raw client id): answers do not depend on it."""
    if b"lient_unique_id=" not in query and b"lientUniqueId=" not in query:
        return query, b""
    kept = []
    client = b""
    for part in query.split(b"&"):
        if part.startswith(_CLIENT_PREFIXES):
            client = client or part.partition(b"=")[2]
        else:
            kept.append(part)
    return b"&".join(kept), client


async def error(send: Send, code: str) -> None:
    answer = ERRORS[code]
    await send(answer.start)
    await send(answer.body_message)
