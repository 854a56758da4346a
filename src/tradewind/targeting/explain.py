"""Explanations of a resolution, for the dashboard and the CLI (not the hot path).

`explain_entries` applies exactly the rules of `Resolver.resolve` (tests hold the two to the same
winner) but keeps every candidate's verdict and words the reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tradewind.targeting.bucket import BUCKETS, bucket, format_bp
from tradewind.targeting.conditions import CompiledCondition, Condition, parse_version

if TYPE_CHECKING:
    from tradewind.targeting.resolution import Entry, Status


@dataclass(frozen=True, slots=True)
class CandidateExplanation:
    release_id: int
    status: Status
    matched: bool
    failed_condition: Condition | None  # the first failing one
    weight: int
    bucket: int | None  # in-progress / paused releases, when the request has an identifier
    in_rollout: bool | None  # in-progress releases, when the request has an identifier
    applicable: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Explanation:
    candidates: tuple[CandidateExplanation, ...]  # in precedence order (weight, then recency)
    winner_release_id: int | None
    reason: str


def explain_entries(
    entries: Sequence[Entry], context: Mapping[str, str], identifier: str | None
) -> Explanation:
    verdicts = [_verdict(entry, context, identifier) for entry in entries]
    winner = next((i for i, v in enumerate(verdicts) if v.applicable), None)
    winner_id = None if winner is None else verdicts[winner].release_id
    candidates = tuple(
        _with_rank(verdict, index, winner, winner_id) for index, verdict in enumerate(verdicts)
    )
    return Explanation(
        candidates=candidates,
        winner_release_id=winner_id,
        reason=_winner_reason(entries, verdicts, winner),
    )


def _verdict(
    entry: Entry, context: Mapping[str, str], identifier: str | None
) -> CandidateExplanation:
    candidate = entry.candidate
    failed = next((c for c in entry.compiled if not c.matches(context)), None)
    device_bucket = None
    if identifier is not None and candidate.status != "concluded":
        device_bucket = bucket(candidate.key, identifier)
    in_rollout = None
    if device_bucket is not None and entry.gated:
        in_rollout = candidate.rollout_bp >= BUCKETS or device_bucket < candidate.rollout_bp
    applicable = (
        failed is None and candidate.status != "paused" and (not entry.gated or in_rollout is True)
    )
    return CandidateExplanation(
        release_id=candidate.release_id,
        status=candidate.status,
        matched=failed is None,
        failed_condition=None if failed is None else failed.condition,
        weight=entry.weight,
        bucket=device_bucket,
        in_rollout=in_rollout,
        applicable=applicable,
        reason=_candidate_reason(entry, failed, context, device_bucket),
    )


def _candidate_reason(
    entry: Entry,
    failed: CompiledCondition | None,
    context: Mapping[str, str],
    device_bucket: int | None,
) -> str:
    candidate = entry.candidate
    if candidate.status == "paused":
        return "paused: serves nobody until resumed"
    if failed is not None:
        return f"does not match: {describe_failure(failed.condition, context)}"
    if not entry.gated:
        return f"matches (concluded, weight {entry.weight})"
    if device_bucket is None:
        return "matches, but no identifier: in-progress release skipped"
    phrase = _bucket_phrase(device_bucket, candidate.rollout_bp)
    if device_bucket < candidate.rollout_bp:
        return f"matches; {phrase}"
    return f"matches, but {phrase}"


def describe_failure(condition: Condition, context: Mapping[str, str]) -> str:
    """Why ``condition`` does not hold for ``context``, in words."""
    name = condition.dimension
    value = context.get(name)
    if value is None:
        return f"the request has no {name!r}"
    if condition.op == "semver":
        if parse_version(value) is None:
            return f"{name}={value!r} is not a semantic version"
        return f"{name}={value!r} is not in range {condition.values[0]!r}"
    if condition.op == "eq":
        return f"{name}={value!r} is not {condition.values[0]!r}"
    return f"{name}={value!r} is not one of {list(condition.values)!r}"


def _bucket_phrase(device_bucket: int, rollout_bp: int) -> str:
    inside = rollout_bp >= BUCKETS or device_bucket < rollout_bp
    sign = "<" if inside else ">="
    suffix = "" if inside else ": not in rollout"
    return f"device bucket {device_bucket} {sign} {rollout_bp} ({format_bp(rollout_bp)}){suffix}"


def _with_rank(
    verdict: CandidateExplanation, index: int, winner: int | None, winner_id: int | None
) -> CandidateExplanation:
    if winner is None or not verdict.applicable:
        return verdict
    suffix = "; winner" if index == winner else f"; outranked by release {winner_id}"
    return _replace_reason(verdict, verdict.reason + suffix)


def _replace_reason(verdict: CandidateExplanation, reason: str) -> CandidateExplanation:
    return CandidateExplanation(
        release_id=verdict.release_id,
        status=verdict.status,
        matched=verdict.matched,
        failed_condition=verdict.failed_condition,
        weight=verdict.weight,
        bucket=verdict.bucket,
        in_rollout=verdict.in_rollout,
        applicable=verdict.applicable,
        reason=reason,
    )


def _winner_reason(
    entries: Sequence[Entry], verdicts: Sequence[CandidateExplanation], winner: int | None
) -> str:
    ahead = verdicts if winner is None else verdicts[:winner]
    skipped = [_skip_note(entry, v) for entry, v in zip(entries, ahead, strict=False)]
    notes = [note for note in skipped if note]
    if winner is None:
        if not verdicts:
            return "no live release"
        if not notes:
            return "no live release matches this request"
        return "; ".join(notes) + "; no baseline matches, nothing served"
    won = verdicts[winner]
    parts = [_specificity_phrase(won.weight)]
    if any(v.applicable and v.weight == won.weight for v in verdicts[winner + 1 :]):
        parts.append(_tie_phrase(entries[winner].gated))
    if entries[winner].gated and won.bucket is not None:
        parts.append(_bucket_phrase(won.bucket, entries[winner].candidate.rollout_bp))
    served = f"release {won.release_id} served" if entries[winner].gated else "baseline served"
    parts.extend(f"{note}, {served}" for note in notes)
    return "; ".join(parts)


def _specificity_phrase(weight: int) -> str:
    if weight == 0:
        return "no targeted release applies: empty target matches everyone (weight 0)"
    return f"most specific matching target (weight {weight})"


def _tie_phrase(winner_in_progress: bool) -> str:
    if winner_in_progress:
        return "tie on weight broken by recency: the in-progress release is the newest"
    return "tie on weight broken by most recently concluded"


def _skip_note(entry: Entry, verdict: CandidateExplanation) -> str:
    """Why a matching release that would have outranked the winner was not served."""
    if not verdict.matched:
        return ""
    release = verdict.release_id
    if verdict.status == "paused":
        return f"release {release} is paused"
    if verdict.bucket is None:
        return f"no identifier: in-progress release {release} skipped"
    if verdict.in_rollout is False:
        phrase = _bucket_phrase(verdict.bucket, entry.candidate.rollout_bp)
        return f"in-progress release {release}: {phrase}"
    return ""
