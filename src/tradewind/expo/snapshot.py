"""An application's Expo updates compiled for the device path: resolvers per channel and every
answer prebuilt (see answers.py); no database and no serialisation per request."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tradewind.expo import manifest as docs
from tradewind.expo.answers import Answer, build_answer, encode_json
from tradewind.expo.signing import Signer
from tradewind.releases.live import LiveRelease
from tradewind.serving.compiler import AppSnapshot
from tradewind.serving.document import AppSource
from tradewind.targeting.resolution import Candidate, Resolver

log = logging.getLogger("tradewind.expo")

PLATFORM_DIMENSION = "expo-platform"
RUNTIME_DIMENSION = "expo-runtime-version"
DEFAULT_CHANNEL = "production"
MEMO_SIZE = 4096
MEMO_MAX_INPUT = 512


@dataclass(frozen=True, slots=True)
class Bundle:
    """A launch asset any Expo update of the application ever had."""

    sha256: str
    storage_key: str
    size: int


@dataclass(frozen=True, slots=True)
class PastUpdate:
    """Any Expo release of the application, finished ones too: devices may still run it."""

    release_id: int
    package_version: str
    bundle_sha256: str | None  # None: a rollback to the embedded update


@dataclass(frozen=True, slots=True)
class History:
    updates: Mapping[str, PastUpdate]  # by update id
    bundles: Mapping[str, Bundle]  # by SHA-256


@dataclass(frozen=True, slots=True)
class Request:
    """The inputs of one manifest request that choose its release."""

    channel: str
    platform: str
    runtime_version: str
    extra: tuple[tuple[str, str], ...]
    client_id: str | None


class ExpoSnapshot:
    __slots__ = (
        "_answers",
        "_memo",
        "_resolvers",
        "_uses_identifier",
        "app_id",
        "built_from",
        "default_key_id",
        "history",
        "key_ids",
        "path_key",
        "signers",
        "source",
    )

    def __init__(
        self,
        built_from: AppSnapshot,
        resolvers: Mapping[str, Resolver],
        answers: Mapping[int, Answer],
        history: History,
        signers: Sequence[Signer],
    ) -> None:
        self.built_from = built_from  # the serving snapshot (its URLs) this was compiled from
        source = built_from.source
        self.source = source
        self.app_id = source.app_id
        self.path_key = source.path_key
        self.history = history
        self.signers = tuple(signers)  # kept to recompile when presigned URLs are renewed
        self.key_ids = frozenset(signer.key_id for signer in signers)
        # Signs for requests that name no keyid (the key management's default comes first).
        self.default_key_id = signers[0].key_id if signers else None
        self._resolvers = dict(resolvers)
        self._answers = dict(answers)
        self._memo: dict[tuple[object, ...], Answer | None] = {}
        self._uses_identifier = any(
            e.gated and e.candidate.rollout_bp > 0
            for resolver in self._resolvers.values()
            for e in resolver.entries
        )

    def answers(self) -> Mapping[int, Answer]:
        return self._answers

    def answer(self, request: Request) -> Answer | None:
        """The answer of the release this device gets (None: nothing live for it)."""
        client = request.client_id if self._uses_identifier else None
        key = (request.channel, request.platform, request.runtime_version, request.extra, client)
        if key in self._memo:
            return self._memo[key]
        found = self._resolve(request)
        size = len(request.channel) + len(request.runtime_version) + len(client or "")
        if size + sum(len(k) + len(v) for k, v in request.extra) <= MEMO_MAX_INPUT:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _resolve(self, request: Request) -> Answer | None:
        resolver = self._resolvers.get(request.channel)
        if resolver is None:
            return None
        context = dict(request.extra)
        context[PLATFORM_DIMENSION] = request.platform
        context[RUNTIME_DIMENSION] = request.runtime_version
        winner = resolver.resolve(context, request.client_id)
        return None if winner is None else self._answers[winner.release_id]


def compile_expo(
    built_from: AppSnapshot,
    history: History,
    signers: Sequence[Signer],
    launch_url: Callable[[str], str],
    url_for: Callable[[str], str],
) -> ExpoSnapshot:
    """Prebuild every live Expo release's answers; a release that would give a malformed
    manifest, or whose target cannot be compiled, is left out with an error in the log."""
    source = built_from.source
    state = source.state
    answers: dict[int, Answer] = {}
    candidates: dict[str, list[Candidate]] = {}
    for release_id, live in sorted(state.releases.items()):
        expo = docs.expo_package(live.package.properties)
        if expo is None:
            continue
        try:
            Resolver([live.candidate], state.positions)  # raises ValueError for a bad target
            answers[release_id] = _answer(source, live, expo, signers, launch_url, url_for)
        except ValueError as exc:  # InvalidManifest included
            log.error("%s: Expo release %s not served: %s", source.path_key, release_id, exc)
            continue
        candidates.setdefault(live.release.channel, []).append(live.candidate)
    resolvers = {name: Resolver(found, state.positions) for name, found in candidates.items()}
    return ExpoSnapshot(built_from, resolvers, answers, history, signers)


def _answer(
    source: AppSource,
    live: LiveRelease,
    expo: docs.ExpoPackage,
    signers: Sequence[Signer],
    launch_url: Callable[[str], str],
    url_for: Callable[[str], str],
) -> Answer:
    release = live.release
    id_ = docs.update_id(source.app_id, release.id, release.created_at)
    version = str(live.package.version)
    if expo.kind == docs.KIND_EMBEDDED:
        directive = encode_json(docs.rollback_directive(docs.release_time(release)))
        return build_answer(release.id, id_, version, None, directive, signers)
    url = launch_url(live.package.index.sha256)
    manifest = encode_json(docs.manifest(live, expo, id_, url, url_for))
    return build_answer(release.id, id_, version, manifest, None, signers)
