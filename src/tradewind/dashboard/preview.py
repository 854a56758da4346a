"""What devices will get after a release action, in words, for the confirmation step.

The statements follow the release service's rules (docs/releases.md and releases/lifecycle.py):
concluding or rolling back makes a release the baseline of its exact target and supersedes the
previous one; a rollback discards the target's unfinished release; paused and discarded releases
serve nobody. Who falls back to what comes from `audiences.shares_for`, which walks the
resolver's precedence over the live releases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tradewind.dashboard.audiences import Offer, Share, baseline_of, shares_for
from tradewind.dashboard.render import percent, target_text
from tradewind.releases.content import conditions_of
from tradewind.releases.live import LiveState
from tradewind.releases.schemas import ReleaseOut

TITLES = {
    "ramp": "Ramp release {id}",
    "pause": "Pause release {id}",
    "resume": "Resume release {id}",
    "conclude": "Conclude release {id}",
    "discard": "Discard release {id}",
    "retire": "Retire release {id}",
    "rollback": "Roll back to release {id}",
}
DESTRUCTIVE = frozenset({"pause", "discard", "retire", "rollback"})


@dataclass(slots=True)
class Preview:
    title: str
    effects: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _offer_text(offer: Offer | None) -> str:
    if offer is None:
        return "no update at all (404: nothing else is live for them)"
    return f"release {offer.release_id} (package {offer.package_version})"


def shares_text(shares: Sequence[Share]) -> str:
    """`shares_for`'s answer in words: one release, or who gets which."""
    if len(shares) == 1:
        return _offer_text(shares[0].offer)
    parts = [
        f"{_offer_text(share.offer)} if they match {target_text(share.also)}"
        if share.also
        else f"{_offer_text(share.offer)} otherwise"
        for share in shares
    ]
    return "; ".join(parts)


def _baseline(state: LiveState, release: ReleaseOut) -> Offer | None:
    """The current concluded release of exactly this target and channel, other than itself."""
    return baseline_of(state, release.channel, conditions_of(_target(release)), release.id)


def _target(release: ReleaseOut) -> list[dict[str, object]]:
    return [c.model_dump() for c in release.target]


def preview(
    state: LiveState,
    release: ReleaseOut,
    action: str,
    new_bp: int | None,
    pending: Sequence[ReleaseOut] = (),
) -> Preview:
    """`pending`: unfinished releases of the same target and channel (for rollbacks)."""
    result = Preview(TITLES[action].format(id=release.id))
    who = f"Devices matching {target_text(_target(release))}" if release.target else "All devices"
    package = f"package {release.package.version}"
    fallback = shares_text(
        shares_for(state, release.channel, conditions_of(_target(release)), release.id)
    )
    current_bp = round(release.percentage * 100)
    if action == "ramp":
        _ramp(result, release, who, package, fallback, current_bp, new_bp or 0)
    elif action == "pause":
        result.effects.append(
            f"{who} in its {percent(current_bp)} rollout go back to {fallback} at their "
            "next update check."
        )
        result.notes.append("The percentage is kept: resume to serve it to the same devices.")
    elif action == "resume":
        result.effects.append(
            f"{who} in its {percent(current_bp)} rollout get {package} again; the others keep "
            f"{fallback}."
        )
    elif action == "conclude":
        _conclude(result, state, release, who, package)
    elif action == "discard":
        _discard(result, release, who, fallback, current_bp)
    elif action == "retire":
        result.effects.append(f"{who} get {fallback} instead of {package}.")
        result.notes.append(
            f"Release {release.id} is never served again; you can still roll back to it."
        )
    elif action == "rollback":
        _rollback(result, state, release, who, package, pending)
    return result


def _ramp(
    result: Preview,
    release: ReleaseOut,
    who: str,
    package: str,
    fallback: str,
    current_bp: int,
    new_bp: int,
) -> None:
    started = release.status != "created"
    if new_bp == 0:
        result.effects.append(f"Nobody gets {package} yet (0%).")
    elif not started or new_bp > current_bp:
        share = percent(new_bp - current_bp) if started else percent(new_bp)
        result.effects.append(
            f"{who}: {share} {'more ' if started else ''}of them (by device identifier) switch "
            f"to {package}, {percent(new_bp)} in all."
        )
    elif new_bp < current_bp:
        result.effects.append(
            f"{who}: {percent(current_bp - new_bp)} of them leave the rollout and go back to "
            f"{fallback}, installing that older package at their next check."
        )
    else:
        result.effects.append("Nothing changes: the rollout is already at that percentage.")
    result.effects.append(
        f"The rest of them, and every device that sends no identifier, keep {fallback}."
    )


def _conclude(
    result: Preview, state: LiveState, release: ReleaseOut, who: str, package: str
) -> None:
    result.effects.append(
        f"{who} get {package} (release {release.id}), with or without an identifier: it becomes "
        "the baseline of this target."
    )
    baseline = _baseline(state, release)
    if baseline is not None:
        result.effects.append(
            f"Release {baseline.release_id} (package {baseline.package_version}), the current "
            "baseline, is superseded and never served again (you can still roll back to it)."
        )


def _discard(
    result: Preview, release: ReleaseOut, who: str, fallback: str, current_bp: int
) -> None:
    if release.status == "created":
        result.effects.append("It has never been served: nothing changes for devices.")
    else:
        result.effects.append(f"{who} in its {percent(current_bp)} rollout go back to {fallback}.")
    result.notes.append(f"Release {release.id} can never be started again.")


def _rollback(
    result: Preview,
    state: LiveState,
    release: ReleaseOut,
    who: str,
    package: str,
    pending: Sequence[ReleaseOut],
) -> None:
    result.effects.append(
        f"A new release copying release {release.id} ({package}, its config and resources) "
        f"is concluded at once: {who.lower()} get {package}, with or without an identifier."
    )
    baseline = _baseline(state, release)
    if release.status == "concluded":
        result.effects.append(
            f"Release {release.id} itself, the current baseline, is superseded by the copy."
        )
    elif baseline is not None:
        result.effects.append(
            f"Release {baseline.release_id} (package {baseline.package_version}), the current "
            "baseline of this target, is superseded."
        )
    for other in pending:
        result.effects.append(
            f"Release {other.id} (package {other.package.version}, {other.status.replace('_', ' ')}"
            f") has the same target and is discarded."
        )
    result.notes.append("Devices install the package again even if its version number is lower.")
