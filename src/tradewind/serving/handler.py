"""The device update-check endpoint as a raw ASGI handler (the hot path).

Per request: parse the path, one dict lookup for the application's snapshot, find x-dimension,
If-None-Match and x-package-version among the headers, one memoised resolution, one in-memory
signal count (tradewind.signals), one dict update for the metrics (tradewind.metrics.devices)
and two prebuilt ASGI messages. No database, no framework request objects, no serialisation.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import Receive, Scope, Send

from tradewind.metrics.devices import (
    BAD_REQUEST,
    LOADING,
    NOT_ALLOWED,
    NOT_FOUND,
    NOT_MODIFIED,
    OK,
    UNKNOWN_APPLICATION,
    DeviceTally,
    new_counts,
)
from tradewind.serving.responses import EMPTY_BODY, Prebuilt, error_answers
from tradewind.serving.store import SnapshotStore
from tradewind.signals.model import MAX_PACKAGE_VERSION, Metric
from tradewind.signals.recorder import SignalRecorder

# Both spellings of the update check; `/release/v2/{org}/{app}` is told apart from
# `/release/{org}/{app}` by its number of segments, so an organisation may be called "v2".
RELEASE_PREFIX = "/release/"
API_PREFIX = "/api/releases/"
DEVICE_PREFIXES = (RELEASE_PREFIX, API_PREFIX)
_RELEASE_LEN = len(RELEASE_PREFIX)
_API_LEN = len(API_PREFIX)


def route_key(path: str) -> str:
    """`/release/o/a`, `/release/v2/o/a`, `/api/releases/o/a` -> "o/a" (else something unknown)."""
    if path.startswith(RELEASE_PREFIX):
        rest = path[_RELEASE_LEN:]
        if rest.startswith("v2/") and rest.count("/") == 2:
            return rest[3:]
        return rest
    if path.startswith(API_PREFIX):
        return path[_API_LEN:]
    return ""


def _read_headers(
    headers: Iterable[tuple[bytes, bytes]],
) -> tuple[bytes, bytes | None, bytes, bytes]:
    """x-dimension (repeats joined), If-None-Match, x-package-version, x-signing-key-id."""
    x_dimension = b""
    if_none_match = None
    package_version = b""
    signing_key = b""
    for name, value in headers:
        if name == b"x-dimension":
            x_dimension = value if not x_dimension else x_dimension + b";" + value
        elif name == b"if-none-match":
            if_none_match = value
        elif name == b"x-package-version":
            package_version = value
        elif name == b"x-signing-key-id":
            signing_key = value.strip()
    return x_dimension, if_none_match, package_version, signing_key


class DeviceHandler:
    """GET/HEAD /release/{org}/{app} and its aliases, answered from the snapshot store."""

    __slots__ = ("_counts", "_errors", "signals", "store", "tally")

    def __init__(
        self,
        store: SnapshotStore,
        signals: SignalRecorder | None = None,
        tally: DeviceTally | None = None,
        protocol: str = "airborne",
    ) -> None:
        self.store = store
        self.signals = signals  # None: signals disabled
        self.tally = tally  # None: metrics disabled
        self._counts = tally.counts_for(protocol) if tally is not None else None
        self._errors = error_answers(store.cache_control)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method != "GET" and method != "HEAD":
            self._count_unknown(NOT_ALLOWED)
            await self._error(send, "method_not_allowed", False)
            return
        head = method == "HEAD"
        key = route_key(scope["path"])
        snapshot = self.store.apps.get(key)
        if snapshot is None:
            loaded = self.store.loaded
            self._count_unknown(NOT_FOUND if loaded else LOADING)
            await self._error(
                send, "application_not_found" if loaded else "snapshots_loading", head
            )
            return
        x_dimension, if_none_match, package_version, signing_key = _read_headers(scope["headers"])
        answer, identifier, undefined_keys = snapshot.lookup(x_dimension, scope["query_string"])
        if self.signals is not None:
            release_id = 0 if answer is None else answer.release_id
            version = package_version[:MAX_PACKAGE_VERSION].decode("latin-1").strip()
            self.signals.check(snapshot.app_id, release_id, version, identifier)
            for undefined in undefined_keys:
                self.signals.count(
                    snapshot.app_id, Metric.UNDEFINED_KEY, 0, undefined[:MAX_PACKAGE_VERSION]
                )
        counts = self._counts
        app_counts = None
        if counts is not None:  # metrics: one list element per answer (no method call)
            app_counts = counts.get(key)
            if app_counts is None:
                app_counts = counts[key] = new_counts()
        if answer is None:
            if app_counts is not None:
                app_counts[NOT_FOUND] += 1
            await self._error(send, "no_release", head)
            return
        await self._answer(send, answer, app_counts, signing_key, if_none_match, head)

    async def _answer(
        self,
        send: Send,
        answer: Prebuilt,
        app_counts: list[int] | None,
        signing_key: bytes,
        if_none_match: bytes | None,
        head: bool,
    ) -> None:
        start = answer.start_200
        if signing_key:  # a named key: its signature, or 400 when unknown or disabled
            found = answer.signed_starts.get(signing_key)
            if found is None:
                if app_counts is not None:
                    app_counts[BAD_REQUEST] += 1
                await self._error(send, "unknown_signing_key", head)
                return
            start = found
        if if_none_match is not None and answer.not_modified(if_none_match):
            if app_counts is not None:
                app_counts[NOT_MODIFIED] += 1
            await send(answer.start_304)
            await send(EMPTY_BODY)
        else:
            if app_counts is not None:
                app_counts[OK] += 1
            await send(start)
            await send(EMPTY_BODY if head else answer.body_message)

    def _count_unknown(self, index: int) -> None:
        counts = self._counts
        if counts is not None:
            tally = counts.get(UNKNOWN_APPLICATION)
            if tally is None:
                tally = counts[UNKNOWN_APPLICATION] = new_counts()
            tally[index] += 1

    async def _error(self, send: Send, code: str, head: bool) -> None:
        error = self._errors[code]
        await send(error.start)
        await send(EMPTY_BODY if head else error.body_message)
