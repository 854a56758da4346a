"""Which live release a device gets, and why (docs/releases.md).

Build one `Resolver` per snapshot of an application's live releases; `resolve` is the hot path.

Rules: an empty target matches everyone (weight 0). A target's weight is the sum of
``2**position`` over its dimensions. Paused releases never apply. An in-progress release applies
when it matches and the request carries an identifier whose ``bucket(key, identifier)`` is below
its ``rollout_bp`` (so without an identifier a device stays on the baseline, even at 100%). A
concluded release applies when it matches. Among applicable releases the highest weight wins,
then the larger ``order``, then the larger ``release_id`` (only to stay deterministic). The winner
is served whole: nothing is merged between releases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from tradewind.targeting.bucket import BUCKETS, bucket
from tradewind.targeting.conditions import CompiledCondition, Condition
from tradewind.targeting.explain import CandidateExplanation, Explanation, explain_entries

Status = Literal["in_progress", "paused", "concluded"]
Weights = Mapping[str, int]
"""Dimension name -> position; a dimension weighs ``2**position``."""

STATUSES: frozenset[str] = frozenset(get_args(Status))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A live release as the resolver sees it.

    ``key`` is the bucket key, normally ``str(release_id)``. ``order`` ranks recency, larger is
    more recent: concluded releases by conclusion time; the caller must give in-progress (and
    paused) releases orders above every concluded one, so that an in-progress release beats the
    baseline of its own target for the devices in its rollout. A rollback is a new concluded
    candidate with the largest concluded order. Discarded and created releases are simply not
    candidates.
    """

    release_id: int
    key: str
    conditions: tuple[Condition, ...]
    status: Status
    rollout_bp: int
    order: int


@dataclass(frozen=True, slots=True)
class Entry:
    """A candidate with its compiled conditions and weight, as sorted inside a Resolver."""

    candidate: Candidate
    compiled: tuple[CompiledCondition, ...]
    weight: int
    gated: bool  # in progress: needs an identifier inside the rollout


def target_weight(conditions: Iterable[Condition], positions: Weights) -> int:
    """Sum of ``2**position`` over the target's dimensions; ValueError on an unknown one."""
    weight = 0
    seen: set[str] = set()
    for condition in conditions:
        position = positions.get(condition.dimension)
        if position is None or position < 0:
            raise ValueError(f"dimension {condition.dimension!r} has no position")
        if condition.dimension in seen:
            raise ValueError(f"two conditions on dimension {condition.dimension!r}")
        seen.add(condition.dimension)
        weight += 2**position
    return weight


@dataclass(frozen=True, slots=True)
class Shortlist:
    """The releases matching a request's dimensions, in precedence order: the in-progress ones
    (`gated`), down to the first one that applies to every device (`fallback`). Devices of one
    application send few distinct dimensions but many identifiers: a shortlist is remembered
    per dimensions, and each request only places its identifier in the rollouts."""

    gated: tuple[Candidate, ...]
    fallback: Candidate | None

    def pick(self, identifier: str | None) -> Candidate | None:
        if identifier is not None:
            for candidate in self.gated:
                if _in_rollout(candidate, identifier):
                    return candidate
        return self.fallback


class Resolver:
    """Immutable, precompiled view of an application's live releases.

    Construction raises ValueError on programming errors: a condition on a dimension missing
    from ``positions``, two conditions on one dimension, a malformed range, an unknown status,
    or a rollout outside 0..10000 basis points.
    """

    __slots__ = ("_entries", "_live")

    def __init__(self, candidates: Iterable[Candidate], positions: Weights) -> None:
        entries = [_entry(candidate, positions) for candidate in candidates]
        entries.sort(key=lambda e: (-e.weight, -e.candidate.order, -e.candidate.release_id))
        self._entries: tuple[Entry, ...] = tuple(entries)
        # Entries that can ever apply; the hot path walks only these.
        self._live: tuple[Entry, ...] = tuple(
            e
            for e in entries
            if e.candidate.status != "paused" and not (e.gated and e.candidate.rollout_bp == 0)
        )

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every candidate in precedence order (weight desc, order desc)."""
        return self._entries

    def resolve(self, context: Mapping[str, str], identifier: str | None) -> Candidate | None:
        """The release this request gets, or None when no live release applies."""
        return self.shortlist(context).pick(identifier)

    def shortlist(self, context: Mapping[str, str]) -> Shortlist:
        """What these dimensions leave: the part of resolving that needs no identifier."""
        gated: list[Candidate] = []
        for entry in self._live:
            for condition in entry.compiled:
                if not condition.matches(context):
                    break
            else:
                if not entry.gated:
                    return Shortlist(tuple(gated), entry.candidate)
                gated.append(entry.candidate)
        return Shortlist(tuple(gated), None)

    def explain(self, context: Mapping[str, str], identifier: str | None) -> Explanation:
        """Every candidate's verdict for this request, the winner and why it won."""
        return explain_entries(self._entries, context, identifier)


def _in_rollout(candidate: Candidate, identifier: str) -> bool:
    bp = candidate.rollout_bp
    return bp >= BUCKETS or bucket(candidate.key, identifier) < bp


def _entry(candidate: Candidate, positions: Weights) -> Entry:
    if candidate.status not in STATUSES:
        raise ValueError(f"release {candidate.release_id}: unknown status {candidate.status!r}")
    if not 0 <= candidate.rollout_bp <= BUCKETS:
        raise ValueError(f"release {candidate.release_id}: rollout_bp outside 0..{BUCKETS}")
    return Entry(
        candidate=candidate,
        compiled=tuple(CompiledCondition(condition) for condition in candidate.conditions),
        weight=target_weight(candidate.conditions, positions),
        gated=candidate.status == "in_progress",
    )


__all__ = [
    "Candidate",
    "CandidateExplanation",
    "Entry",
    "Explanation",
    "Resolver",
    "Shortlist",
    "Status",
    "Weights",
    "target_weight",
]
