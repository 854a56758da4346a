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
from tradewind.targeting.conditions import Condition
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
    # When there is no baseline: the less specific release those devices get instead.
    fallback: Offer | None = None


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


def _covers(general: Iterable[Condition], specific: Iterable[Condition]) -> bool:
    """Every device matching `specific` also matches `general` (its conditions are a subset)."""
    return set(general) <= set(specific)


def fallback_for(
    state: LiveState, channel: str, conditions: Sequence[Condition], excluding: int | None
) -> Offer | None:
    """The concluded release that devices matching `conditions` get when no release of that
    exact target applies to them: the highest-precedence one whose target covers it."""
    resolver = _resolver(state, channel)
    for entry in resolver.entries:
        candidate = entry.candidate
        if candidate.release_id == excluding or candidate.status != "concluded":
            continue
        if _covers(candidate.conditions, conditions):
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
            group.fallback = fallback_for(state, channel, conditions, None)
    return list(groups.values())


def _conditions(state: LiveState, target_key: str) -> tuple[Condition, ...]:
    for live in state.releases.values():
        if live.release.target_key == target_key:
            return live.candidate.conditions
    return ()


def channels(state: LiveState) -> list[str]:
    """Channels with live releases, `production` first."""
    return sorted(state.channels(), key=lambda name: (name != "production", name))
