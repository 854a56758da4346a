"""What each audience of an application gets: live releases grouped by exact target.

Built from the same `LiveState` the device path compiles its snapshot from, and ordered with
the resolver's own precedence (`Resolver.entries`), so the dashboard shows what devices get.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tradewind.releases.live import LiveRelease, LiveState
from tradewind.targeting.conditions import CompiledCondition, Condition
from tradewind.targeting.resolution import Resolver


@dataclass(frozen=True, slots=True)
class Offer:
    """One live release as an audience sees it."""

    release_id: int
    status: str
    package_version: int
    rollout_bp: int
    target: list[dict[str, Any]]
    since: datetime | None  # concluded or started at


@dataclass(slots=True)
class Audience:
    """Devices matching one exact target: its baseline and its rollouts in progress."""

    target: list[dict[str, Any]]
    weight: int
    baseline: Offer | None = None
    rollouts: list[Offer] = field(default_factory=list)
    # When there is no baseline: what those devices get instead, split where it differs.
    fallbacks: list[Share] = field(default_factory=list)


def offer(live: LiveRelease) -> Offer:
    release = live.release
    return Offer(
        release_id=release.id,
        status=release.status,
        package_version=live.package.version,
        rollout_bp=release.rollout_bp,
        target=list(release.target),
        since=release.concluded_at if release.status == "concluded" else release.started_at,
    )


@dataclass(frozen=True, slots=True)
class Share:
    """The devices of an audience that also match `also` (nothing more when empty) get `offer`
    (None: no release, a 404)."""

    also: tuple[Condition, ...]
    offer: Offer | None


def _narrowed(general: Condition, specific: Condition) -> Condition | bool:
    """How `general` restricts devices already matching `specific` (same dimension): True when
    it lets all of them through, False when none, else the condition that picks the rest."""
    if general == specific:
        return True
    if specific.op == "semver":
        return general  # a range against values or another range: leave the split to `general`
    allowed = {v.strip() for v in specific.values}
    if general.op == "semver":
        kept = {v for v in allowed if CompiledCondition(general).matches({general.dimension: v})}
    else:
        kept = allowed & {v.strip() for v in general.values}
    if not kept:
        return False
    if kept == allowed:
        return True
    values = tuple(sorted(kept))
    return Condition(general.dimension, "eq" if len(values) == 1 else "in", values)


def _extra(
    general: Iterable[Condition], specific: Iterable[Condition]
) -> tuple[Condition, ...] | None:
    """The conditions a device matching `specific` must also meet to match `general`: () when
    every such device matches it, None when none can."""
    by_dimension = {c.dimension: c for c in specific}
    extra: list[Condition] = []
    for condition in general:
        own = by_dimension.get(condition.dimension)
        verdict = condition if own is None else _narrowed(condition, own)
        if verdict is False:
            return None
        if isinstance(verdict, Condition):
            extra.append(verdict)
    return tuple(extra)


def shares_for(
    state: LiveState, channel: str, conditions: Sequence[Condition], excluding: int | None
) -> list[Share]:
    """What devices matching `conditions` get when no release of that exact target applies to
    them (outside its rollout, or without an identifier), split where the answer differs.

    Walks the resolver's own precedence over the concluded releases, as the device path does:
    a release whose target covers every such device ends the list; one that covers only some
    of them (e.g. `os = android` under `os ∈ {android, ios}`) takes those and the walk goes on.
    """
    shares: list[Share] = []
    for entry in _resolver(state, channel).entries:
        candidate = entry.candidate
        if candidate.release_id == excluding or candidate.status != "concluded":
            continue
        extra = _extra(candidate.conditions, conditions)
        if extra is None:
            continue
        shares.append(Share(extra, offer(state.releases[candidate.release_id])))
        if not extra:
            return shares
    shares.append(Share((), None))
    return shares


def baseline_of(
    state: LiveState, channel: str, conditions: Sequence[Condition], excluding: int | None
) -> Offer | None:
    """The concluded release of exactly this target and channel, other than `excluding`."""
    for entry in _resolver(state, channel).entries:
        candidate = entry.candidate
        if candidate.release_id == excluding or candidate.status != "concluded":
            continue
        if set(candidate.conditions) == set(conditions):
            return offer(state.releases[candidate.release_id])
    return None


def _resolver(state: LiveState, channel: str) -> Resolver:
    return state.resolver(channel)


def audiences(state: LiveState, channel: str) -> list[Audience]:
    """Live releases of a channel grouped by target, most specific target first."""
    groups: dict[str, Audience] = {}
    for entry in _resolver(state, channel).entries:
        live = state.releases[entry.candidate.release_id]
        group = groups.setdefault(
            live.release.target_key, Audience(target=list(live.release.target), weight=entry.weight)
        )
        if live.release.status == "concluded":
            group.baseline = group.baseline or offer(live)
        else:
            group.rollouts.append(offer(live))
    for key, group in groups.items():
        if group.baseline is None:
            conditions = _conditions(state, key)
            group.fallbacks = shares_for(state, channel, conditions, None)
    return list(groups.values())


def _conditions(state: LiveState, target_key: str) -> tuple[Condition, ...]:
    for live in state.releases.values():
        if live.release.target_key == target_key:
            return live.candidate.conditions
    return ()


def channels(state: LiveState) -> list[str]:
    """Channels with live releases, `production` first."""
    return sorted(state.channels(), key=lambda name: (name != "production", name))
