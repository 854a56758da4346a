"""Compile an application's live releases into an immutable snapshot for the device path."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from tradewind.keys.signing import ES256, LoadedSigningKey
from tradewind.releases.live import LiveRelease, LiveState
from tradewind.remoteconfig.cohorts import apply_cohorts
from tradewind.remoteconfig.variants import VariantPicker
from tradewind.serving.document import AppSource, InvalidDocument, UrlFor, document
from tradewind.serving.document import encode as encode_document
from tradewind.serving.responses import Prebuilt
from tradewind.targeting.resolution import Candidate, Resolver, Shortlist

# Airborne devices follow "production" unless the application names a channel dimension and
# the device sends a value for it.
DEFAULT_CHANNEL = "production"

log = logging.getLogger("tradewind.serving")

# What each raw x-dimension value decides, remembered per snapshot. Devices of one app send
# few distinct values; when identifiers in them make them all distinct the memo is simply
# cleared when full, so a miss costs one parse, one shortlist and one insert.
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


# A resolution: the prebuilt answer (None: no live release matches), the device identifier
# (`?toss=`, else the value of the app's identifier dimension in x-dimension; None: anonymous)
# and the x-dimension keys the application does not define (sorted; usually none).
Resolved = tuple[Prebuilt | None, str | None, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one x-dimension value decides: the shortlist, and the whole resolution for a
    request without `?toss=` (identifier from the identifier dimension)."""

    shortlist: Shortlist
    without_toss: Resolved


class AppSnapshot:
    """One application's live releases, compiled; immutable except for its private memo."""

    __slots__ = (
        "_cohorts",
        "_known_keys",
        "_memo",
        "_pickers",
        "_responses",
        "_uses_identifier",
        "app_id",
        "built_at",
        "channel_dimension",
        "identifier_dimension",
        "resolver",
        "resolvers",
        "source",
    )

    def __init__(
        self,
        source: AppSource,
        resolvers: Mapping[str, Resolver],
        responses: Mapping[int, Prebuilt],
        pickers: Mapping[int, VariantPicker] | None = None,
    ) -> None:
        self.source = source
        self._pickers = dict(pickers or {})
        self.app_id = source.app_id
        self.resolvers = dict(resolvers)
        # The default channel's resolver (empty when nothing is live there).
        self.resolver = self.resolvers.get(DEFAULT_CHANNEL) or Resolver([], {})
        self.identifier_dimension = source.state.identifier_dimension
        self.channel_dimension = source.state.channel_dimension
        self._responses = dict(responses)
        state = source.state
        self._known_keys = frozenset(
            [*state.positions, state.identifier_dimension or "", state.channel_dimension or ""]
        )
        self._memo: dict[bytes, _Plan] = {}
        self._cohorts = state.cohorts
        # Without an in-progress release the identifier (and so the query) changes nothing.
        self._uses_identifier = any(
            e.gated and e.candidate.rollout_bp > 0
            for resolver in self.resolvers.values()
            for e in resolver.entries
        )
        self.built_at = time.monotonic()

    @property
    def revision(self) -> int:
        return self.source.revision

    def responses(self) -> Mapping[int, Prebuilt]:
        return self._responses

    def answer(self, x_dimension: bytes, query: bytes) -> Prebuilt | None:
        """The prebuilt answer for these raw request inputs (None: no live release matches)."""
        return self.lookup(x_dimension, query)[0]

    def lookup(self, x_dimension: bytes, query: bytes) -> Resolved:
        """The answer and the device identifier, from the memo of what the dimensions decide.

        Per request only `?toss=` is read, and, when a rollout is in progress among the
        shortlisted releases, the identifier placed in its buckets.
        """
        plan = self._memo.get(x_dimension)
        if plan is None:
            plan = self._plan(x_dimension)
            if len(x_dimension) <= MEMO_MAX_INPUT:
                memo = self._memo
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[x_dimension] = plan
        return self._finish(plan, query)

    def pick(self, x_dimension: bytes, query: bytes) -> Prebuilt | None:
        """The answer, resolved afresh (no memo)."""
        return self._finish(self._plan(x_dimension), query)[0]

    def _plan(self, x_dimension: bytes) -> _Plan:
        sent = parse_dimensions(x_dimension.decode("utf-8", "replace"))
        identifier = None
        if self.identifier_dimension is not None:
            identifier = sent.get(self.identifier_dimension) or None
        context = apply_cohorts(self._cohorts, sent) if self._cohorts else sent
        shortlist = self.resolver_for(context).shortlist(context)
        undefined = tuple(sorted(key for key in sent if key not in self._known_keys))
        return _Plan(shortlist, self._resolved(shortlist, identifier, undefined))

    def _finish(self, plan: _Plan, query: bytes) -> Resolved:
        answer, identifier, undefined = plan.without_toss
        toss = toss_from_query(query) if query else None
        if toss is not None:
            if not self._uses_identifier:  # no rollout anywhere: the toss names, decides nothing
                return (answer, toss, undefined)
            identifier = toss
        elif not plan.shortlist.gated:
            return plan.without_toss
        return self._resolved(plan.shortlist, identifier, undefined)

    def _resolved(
        self, shortlist: Shortlist, identifier: str | None, undefined: tuple[str, ...]
    ) -> Resolved:
        winner = shortlist.pick(identifier)
        answer = None if winner is None else self._responses[self.served_id(winner, identifier)]
        return (answer, identifier, undefined)

    def served_id(self, winner: Candidate, identifier: str | None) -> int:
        """The winner's id, or for an experiment the id of the device's variant (only an
        in-progress release can be an experiment, so an identifier is there)."""
        picker = self._pickers.get(winner.release_id)
        if picker is None or identifier is None:
            return winner.release_id
        return picker.pick(identifier)[0]

    def resolver_for(self, context: Mapping[str, str]) -> Resolver:
        """The channel the device names by the channel dimension, else the default one; a
        channel with nothing live resolves to no release."""
        if self.channel_dimension is None:
            return self.resolver
        channel = context.get(self.channel_dimension) or DEFAULT_CHANNEL
        return self.resolvers.get(channel) or _NOTHING_LIVE


_NOTHING_LIVE = Resolver([], {})


def resolved_properties(state: LiveState, live: LiveRelease) -> dict[str, Any]:
    """The schema's defaults overlaid by the release's values; InvalidDocument when a value
    does not fit the schema (the schema rules keep that from happening to a live release)."""
    own = live.release.config_properties
    if not isinstance(own, Mapping):
        raise InvalidDocument(f"config.properties must be a JSON object, got {type(own).__name__}")
    resolved = state.properties.resolve(own)
    problems = state.properties.problems(resolved)
    if problems:
        first = problems[0]
        raise InvalidDocument(f"property {first.name!r}: {first.message}")
    return resolved


def compile_app(source: AppSource, url_for: UrlFor, cache_control: bytes) -> AppSnapshot:
    """Serialise every live release's document and build one resolver per channel.

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
    airborne_keys = [k for k in source.signing_keys if k.algorithm == ES256]
    default_key = next((k.key_id.encode() for k in airborne_keys if k.is_default), None)
    responses: dict[int, Prebuilt] = {}
    pickers: dict[int, VariantPicker] = {}
    candidates: dict[str, list[Candidate]] = {}
    for release_id, live in sorted(state.releases.items()):
        if live.release.channel != DEFAULT_CHANNEL and state.channel_dimension is None:
            continue  # no Airborne device can name another channel
        try:
            Resolver([live.candidate], state.positions)  # raises ValueError for a bad target
            built = {
                one.release.id: encode_document(
                    document(source.app_name, one, cached_url, resolved_properties(state, one))
                )
                for one in (live, *live.variants)
            }
        except ValueError as exc:  # InvalidDocument included
            log.error("%s: release %s not served: %s", source.path_key, release_id, exc)
            continue
        for built_id, body in built.items():
            responses[built_id] = Prebuilt(
                built_id, body, cache_control, _signatures(airborne_keys, body), default_key
            )
        if live.variants:
            pickers[release_id] = variant_picker(live)
        candidates.setdefault(live.release.channel, []).append(live.candidate)
    resolvers = {name: Resolver(found, state.positions) for name, found in candidates.items()}
    return AppSnapshot(source, resolvers, responses, pickers)


def variant_picker(live: LiveRelease) -> VariantPicker:
    ranges = {v.release.id: v.release.variant_ranges or [] for v in live.variants}
    return VariantPicker(live.release.id, ranges)


def signature_header(key: LoadedSigningKey, body: bytes) -> bytes:
    """`x-airborne-signature`: ECDSA P-256 / SHA-256 over the exact body, DER, base64."""
    signature = base64.b64encode(key.sign(body)).decode("ascii")
    return f'keyid="{key.key_id}",alg="{key.algorithm}",sig="{signature}"'.encode("ascii")


def _signatures(keys: list[LoadedSigningKey], body: bytes) -> dict[bytes, bytes]:
    """Every enabled es256 key's signature of a document, made once per snapshot build."""
    return {key.key_id.encode("ascii"): signature_header(key, body) for key in keys}
