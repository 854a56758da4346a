"""Compile an application's live releases into an immutable snapshot for the device path."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from urllib.parse import unquote_plus

from tradewind.serving.document import AppSource, UrlFor, document
from tradewind.serving.document import encode as encode_document
from tradewind.serving.responses import Prebuilt
from tradewind.targeting.resolution import Candidate, Resolver

# The Hyper OTA / Airborne protocol has no channel: devices get production.
DEVICE_CHANNEL = "production"

log = logging.getLogger("tradewind.serving")

# Resolutions remembered per snapshot, keyed by the raw request inputs. Devices of one app send
# few distinct x-dimension values; when identifiers make them all distinct the memo is simply
# cleared when full, so a miss costs one parse, one resolution and one insert.
MEMO_SIZE = 4096
# Longer inputs are resolved without being remembered: the memo stays under ~3 MB per app.
MEMO_MAX_INPUT = 512


def parse_dimensions(raw: str) -> dict[str, str]:
    """Parse x-dimension: split on `;`, skip empty parts, split at the first `=`, trim both.

    Android sends `k1=v1;k2=v2` (sorted, no trailing `;`), iOS unsorted with a trailing `;`.
    A part without `=` or with an empty key carries nothing and is skipped; a repeated key keeps
    its last value.
    """
    context: dict[str, str] = {}
    for part in raw.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            key = key.strip()
            if key:
                context[key] = value.strip()
    return context


def toss_from_query(query: bytes) -> str | None:
    """The `toss` query parameter (URL-decoded), or None when absent or empty."""
    if b"toss=" not in query:
        return None
    for pair in query.split(b"&"):
        if pair.startswith(b"toss="):
            value = unquote_plus(pair[5:].decode("latin-1"), encoding="utf-8", errors="replace")
            return value.strip() or None
    return None


class AppSnapshot:
    """One application's live releases, compiled; immutable except for its private memo."""

    __slots__ = (
        "_memo",
        "_responses",
        "_uses_identifier",
        "built_at",
        "identifier_dimension",
        "resolver",
        "source",
    )

    def __init__(
        self, source: AppSource, resolver: Resolver, responses: Mapping[int, Prebuilt]
    ) -> None:
        self.source = source
        self.resolver = resolver
        self.identifier_dimension = source.state.identifier_dimension
        self._responses = dict(responses)
        self._memo: dict[tuple[bytes, bytes], Prebuilt | None] = {}
        # Without an in-progress release the identifier (and so the query) changes nothing.
        self._uses_identifier = any(
            e.gated and e.candidate.rollout_bp > 0 for e in resolver.entries
        )
        self.built_at = time.monotonic()

    @property
    def revision(self) -> int:
        return self.source.revision

    def responses(self) -> Mapping[int, Prebuilt]:
        return self._responses

    def answer(self, x_dimension: bytes, query: bytes) -> Prebuilt | None:
        """The prebuilt answer for these raw request inputs (None: no live release matches)."""
        key = (x_dimension, query if self._uses_identifier else b"")
        try:
            return self._memo[key]
        except KeyError:
            pass
        found = self.pick(x_dimension, query)
        if len(x_dimension) + len(key[1]) > MEMO_MAX_INPUT:
            return found
        memo = self._memo
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[key] = found
        return found

    def pick(self, x_dimension: bytes, query: bytes) -> Prebuilt | None:
        context = parse_dimensions(x_dimension.decode("utf-8", "replace"))
        identifier = toss_from_query(query) if query else None
        if identifier is None and self.identifier_dimension is not None:
            identifier = context.get(self.identifier_dimension) or None
        winner = self.resolver.resolve(context, identifier)
        return None if winner is None else self._responses[winner.release_id]


def compile_app(source: AppSource, url_for: UrlFor, cache_control: bytes) -> AppSnapshot:
    """Serialise every live production release's document and build the resolver.

    A release whose document would be malformed, or whose target cannot be compiled (e.g. a
    condition on a dimension that no longer exists), is left out with an error in the log:
    serving it could only break devices.
    """
    url_cache: dict[str, str] = {}

    def cached_url(key: str) -> str:
        url = url_cache.get(key)
        if url is None:
            url = url_cache[key] = url_for(key)
        return url

    state = source.state
    responses: dict[int, Prebuilt] = {}
    candidates: list[Candidate] = []
    for release_id, live in sorted(state.releases.items()):
        if live.release.channel != DEVICE_CHANNEL:
            continue
        try:
            Resolver([live.candidate], state.positions)  # raises ValueError for a bad target
            body = encode_document(document(source.app_name, live, cached_url))
        except ValueError as exc:  # InvalidDocument included
            log.error("%s: release %s not served: %s", source.path_key, release_id, exc)
            continue
        responses[release_id] = Prebuilt(release_id, body, cache_control)
        candidates.append(live.candidate)
    return AppSnapshot(source, Resolver(candidates, state.positions), responses)
