"""`/expo/{org}/{app}/manifest` and `/expo/{org}/{app}/bundles/{sha256}` as raw ASGI.

Per manifest request: one pass over the headers, one dict lookup for the application's Expo
snapshot, one memoised resolution, a few in-memory signal counts and two prebuilt messages.
No database, no serialisation, no signing.
"""

from __future__ import annotations

from typing import TypeVar

from starlette.types import ASGIApp, Receive, Scope, Send

from tradewind.expo import request as req
from tradewind.expo.answers import JSON, Answer, Reply
from tradewind.expo.bundles import patch_for, redirect, send_patch
from tradewind.expo.errors import expo_errors
from tradewind.expo.patches import PatchCache
from tradewind.expo.snapshot import DEFAULT_CHANNEL, ExpoSnapshot, Request
from tradewind.expo.store import ExpoStore
from tradewind.metrics.devices import UNKNOWN_APPLICATION, Counts, count_answer
from tradewind.signals.model import Metric
from tradewind.signals.recorder import SignalRecorder

PREFIX = "/expo/"
_PREFIX_LEN = len(PREFIX)
# Parsed forms of the few distinct values devices send, so most requests parse nothing.
PARSE_CACHE_SIZE = 1024
EMBEDDED = "embedded"


class _Parsed:
    """Small caches of parsed header values (accept, expect-signature, extra params)."""

    def __init__(self) -> None:
        self.accept: dict[str | None, list[str]] = {}
        self.key_ids: dict[str, str | None] = {}
        self.extras: dict[str, tuple[tuple[str, str], ...]] = {}

    def negotiate(self, accept: str | None) -> list[str]:
        found = self.accept.get(accept)
        if found is None:
            found = _bounded(self.accept)[accept] = req.negotiate(accept)
        return found

    def key_id(self, raw: str) -> str | None:
        if raw in self.key_ids:
            return self.key_ids[raw]
        found = req.expected_key_id(raw)
        _bounded(self.key_ids)[raw] = found
        return found

    def extra_params(self, raw: str) -> tuple[tuple[str, str], ...]:
        found = self.extras.get(raw)
        if found is None:
            found = _bounded(self.extras)[raw] = req.extra_params(raw)
        return found


K = TypeVar("K")
V = TypeVar("V")


def _bounded(cache: dict[K, V]) -> dict[K, V]:
    if len(cache) >= PARSE_CACHE_SIZE:
        cache.clear()
    return cache


class ExpoHandler:
    __slots__ = ("_errors", "_parsed", "assets", "counts", "patches", "signals", "store")

    def __init__(
        self,
        store: ExpoStore,
        patches: PatchCache,
        signals: SignalRecorder | None,
        assets: ASGIApp | None,
        counts: Counts | None = None,
    ) -> None:
        self.counts = counts  # manifest requests by application and status; None: metrics off
        self.store = store
        self.patches = patches
        self.signals = signals
        self.assets = assets  # the local /assets/ handler; None: redirect to blob storage
        self._errors = expo_errors()
        self._parsed = _Parsed()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        parts = scope["path"][_PREFIX_LEN:].split("/")
        method = scope["method"]
        if len(parts) == 3 and parts[2] == "manifest":
            await self._check(scope, send, parts)
        elif len(parts) == 4 and parts[2] == "bundles":
            if method not in ("GET", "HEAD"):
                return await self._error(send, "method_not_allowed")
            snapshot = await self._snapshot(send, parts)
            if snapshot is not None:
                await self._bundle(scope, receive, send, snapshot, parts[3])
        else:
            await self._error(send, "not_found")

    async def _snapshot(self, send: Send, parts: list[str]) -> ExpoSnapshot | None:
        snapshot = self.store.apps.get(f"{parts[0]}/{parts[1]}")
        if snapshot is None:
            loaded = self.store.loaded
            await self._error(send, "application_not_found" if loaded else "snapshots_loading")
        return snapshot

    async def _check(self, scope: Scope, send: Send, parts: list[str]) -> None:
        """A manifest request (the device's update check), counted for the metrics."""
        application = f"{parts[0]}/{parts[1]}"
        get = scope["method"] == "GET"
        snapshot = self.store.apps.get(application) if get else None
        if snapshot is None:
            if not get:
                code = "method_not_allowed"
            else:
                code = "application_not_found" if self.store.loaded else "snapshots_loading"
            count_answer(self.counts, UNKNOWN_APPLICATION, self._errors[code].start["status"])
            return await self._error(send, code)
        headers = req.read_headers(scope["headers"], scope["query_string"])
        try:
            reply = self._reply(snapshot, headers)
        except req.Rejected as rejected:
            count_answer(self.counts, application, self._errors[rejected.code].start["status"])
            return await self._error(send, rejected.code)
        count_answer(self.counts, application, reply.start["status"])
        await send(reply.start)
        await send(reply.body)

    def _reply(self, snapshot: ExpoSnapshot, headers: req.Headers) -> Reply:
        req.check_basics(headers)
        kinds = self._parsed.negotiate(headers.accept)
        if not kinds:
            raise req.Rejected("not_acceptable")
        key_id = self._key_id(snapshot, headers.expect_signature)
        extra = self._parsed.extra_params(headers.extra_params)
        failed = req.failed_update_ids(headers.failed_update_ids)
        request = Request(
            headers.channel or self._channel_from(snapshot, extra),
            headers.platform,
            headers.runtime_version,
            extra,
            headers.client_id or None,
        )
        answer = snapshot.answer(request)
        self._count(snapshot, answer, headers, failed)
        if answer is None:
            raise req.Rejected("no_update")
        return _pick(answer, kinds, key_id, _runs_it(answer, headers))

    def _key_id(self, snapshot: ExpoSnapshot, expect: str | None) -> str | None:
        if expect is None:
            return None
        wanted = self._parsed.key_id(expect)
        if not snapshot.key_ids:
            raise req.Rejected("code_signing_unavailable")
        if wanted is None:
            return snapshot.default_key_id
        if wanted not in snapshot.key_ids:
            raise req.Rejected("unknown_signing_key")
        return wanted

    @staticmethod
    def _channel_from(snapshot: ExpoSnapshot, extra: tuple[tuple[str, str], ...]) -> str:
        """Without expo-channel-name: the extra param named by the app's channel dimension."""
        dimension = snapshot.source.state.channel_dimension
        if dimension is not None:
            for key, value in extra:
                if key == dimension and value:
                    return value
        return DEFAULT_CHANNEL

    def _count(
        self,
        snapshot: ExpoSnapshot,
        answer: Answer | None,
        headers: req.Headers,
        failed: list[str],
    ) -> None:
        """Adoption (the update the device runs) and launch outcomes, in memory."""
        signals = self.signals
        if signals is None:
            return
        app_id, updates = snapshot.app_id, snapshot.history.updates
        current = headers.current_update_id.lower()
        running = updates.get(current) if current else None
        if running is not None:
            version = running.package_version
            signals.count(app_id, Metric.INSTALL_SUCCEEDED, running.release_id, version)
        else:
            embedded = current and current == headers.embedded_update_id.lower()
            version = EMBEDDED if embedded else ""
        release_id = 0 if answer is None else answer.release_id
        signals.check(app_id, release_id, version, headers.client_id or None)
        if headers.fatal_error:
            for update in filter(None, (updates.get(i) for i in failed)):
                signals.count(
                    app_id, Metric.INSTALL_FAILED, update.release_id, update.package_version
                )

    async def _bundle(
        self, scope: Scope, receive: Receive, send: Send, snapshot: ExpoSnapshot, sha256: str
    ) -> None:
        bundle = snapshot.history.bundles.get(sha256)
        if bundle is None:
            return await self._error(send, "asset_not_found")
        patch = patch_for(self.patches, snapshot, bundle, scope["headers"])
        if patch is not None:
            await send_patch(scope, send, *patch)
        elif self.assets is not None:
            await self.assets({**scope, "path": f"/assets/{bundle.storage_key}"}, receive, send)
        else:
            await redirect(send, self.store.serving.url_for(bundle.storage_key))

    async def _error(self, send: Send, code: str) -> None:
        error = self._errors[code]
        await send(error.start)
        await send(error.body_message)


def _runs_it(answer: Answer, headers: req.Headers) -> bool:
    """The device already runs what it would be served: the update itself, or, for a
    rollback to the embedded update, the embedded update."""
    current = headers.current_update_id.lower()
    if not current:
        return False
    if current == answer.update_id:
        return True
    rollback = (JSON, None, False) not in answer.replies
    return rollback and current == headers.embedded_update_id.lower()


def _pick(answer: Answer, kinds: list[str], key_id: str | None, runs_it: bool) -> Reply:
    for kind in kinds:
        reply = answer.replies.get((kind, key_id, runs_it))
        if reply is None and kind == JSON and runs_it:
            # JSON cannot carry noUpdateAvailable; the same manifest again is a no-op.
            reply = answer.replies.get((kind, key_id, False))
        if reply is not None:
            return reply
    raise req.Rejected("not_acceptable")
