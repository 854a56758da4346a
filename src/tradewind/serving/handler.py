"""The device update-check endpoint as a raw ASGI handler (the hot path).

Per request: parse the path, one dict lookup for the application's snapshot, find x-dimension
and If-None-Match among the headers, one memoised resolution, and two prebuilt ASGI messages.
No database, no framework request objects, no serialisation.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from tradewind.serving.responses import EMPTY_BODY, error_answers
from tradewind.serving.store import SnapshotStore

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


class DeviceHandler:
    """GET/HEAD /release/{org}/{app} and its aliases, answered from the snapshot store."""

    __slots__ = ("_errors", "store")

    def __init__(self, store: SnapshotStore) -> None:
        self.store = store
        self._errors = error_answers(store.cache_control)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method != "GET" and method != "HEAD":
            await self._error(send, "method_not_allowed", False)
            return
        head = method == "HEAD"
        snapshot = self.store.apps.get(route_key(scope["path"]))
        if snapshot is None:
            code = "application_not_found" if self.store.loaded else "snapshots_loading"
            await self._error(send, code, head)
            return
        x_dimension = b""
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"x-dimension":
                x_dimension = value if not x_dimension else x_dimension + b";" + value
            elif name == b"if-none-match":
                if_none_match = value
        answer = snapshot.answer(x_dimension, scope["query_string"])
        if answer is None:
            await self._error(send, "no_release", head)
        elif if_none_match is not None and answer.not_modified(if_none_match):
            await send(answer.start_304)
            await send(EMPTY_BODY)
        else:
            await send(answer.start_200)
            await send(EMPTY_BODY if head else answer.body_message)

    async def _error(self, send: Send, code: str, head: bool) -> None:
        error = self._errors[code]
        await send(error.start)
        await send(EMPTY_BODY if head else error.body_message)
