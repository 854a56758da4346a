"""Resolver construction errors and explain() output."""

from __future__ import annotations

import pytest

from tradewind.targeting.conditions import Condition
from tradewind.targeting.resolution import Candidate, Resolver

pytestmark = pytest.mark.once  # no database: one run is enough

# bucket("50", "device-2") == 416, bucket("50", "device-1") == 9333 (pinned in test_bucket.py).
POSITIONS = {"os": 0, "country": 1, "app_version": 2, "merchant_id": 3}
ANDROID = Condition("os", "eq", ("android",))
INDIA = Condition("country", "eq", ("IN",))
V2 = Condition("app_version", "semver", (">=2.0.0",))


def done(release_id: int, *conditions: Condition, order: int | None = None) -> Candidate:
    order = release_id if order is None else order
    return Candidate(release_id, str(release_id), conditions, "concluded", 10_000, order)


def ramp(
    release_id: int, bp: int, *conditions: Condition, status: str = "in_progress"
) -> Candidate:
    return Candidate(release_id, str(release_id), conditions, status, bp, 1000)  # type: ignore[arg-type]


def test_most_specific_target_wins_and_others_are_outranked() -> None:
    resolver = Resolver([done(1), done(2, ANDROID), done(3, INDIA, V2)], POSITIONS)
    explanation = resolver.explain({"os": "android", "country": "IN", "app_version": "2.1.0"}, None)

    assert explanation.winner_release_id == 3
    assert explanation.reason == "most specific matching target (weight 6)"
    assert [v.release_id for v in explanation.candidates] == [3, 2, 1]  # precedence order
    assert [v.weight for v in explanation.candidates] == [6, 1, 0]
    assert explanation.candidates[0].reason == "matches (concluded, weight 6); winner"
    assert (
        explanation.candidates[1].reason == "matches (concluded, weight 1); outranked by release 3"
    )
    assert all(v.applicable and v.matched for v in explanation.candidates)
    assert all(v.bucket is None and v.in_rollout is None for v in explanation.candidates)


def test_tie_broken_by_most_recently_concluded() -> None:
    resolver = Resolver([done(2, ANDROID, order=7), done(3, ANDROID, order=5)], POSITIONS)
    explanation = resolver.explain({"os": "android"}, "device-1")

    assert explanation.winner_release_id == 2
    assert explanation.reason == (
        "most specific matching target (weight 1); tie on weight broken by most recently concluded"
    )


def test_failed_conditions_are_named() -> None:
    resolver = Resolver(
        [
            done(1),
            done(2, ANDROID, INDIA),
            done(3, V2),
            done(4, Condition("os", "in", ("ios", "web"))),
        ],
        POSITIONS,
    )
    explanation = resolver.explain({"os": "android", "country": "US", "app_version": "v1"}, None)
    by_id = {v.release_id: v for v in explanation.candidates}

    assert explanation.winner_release_id == 1
    assert explanation.reason == (
        "no targeted release applies: empty target matches everyone (weight 0)"
    )
    assert by_id[2].failed_condition == INDIA
    assert by_id[2].reason == "does not match: country='US' is not 'IN'"
    assert by_id[3].failed_condition == V2
    assert by_id[3].reason == "does not match: app_version='v1' is not a semantic version"
    assert by_id[4].reason == "does not match: os='android' is not one of ['ios', 'web']"
    assert not any(by_id[i].matched or by_id[i].applicable for i in (2, 3, 4))

    missing = resolver.explain({"app_version": "1.0.0"}, None)
    by_id = {v.release_id: v for v in missing.candidates}
    assert by_id[2].failed_condition == ANDROID
    assert by_id[2].reason == "does not match: the request has no 'os'"
    assert by_id[3].reason == "does not match: app_version='1.0.0' is not in range '>=2.0.0'"


def test_device_in_rollout() -> None:
    explanation = Resolver([done(1), ramp(50, 2500)], POSITIONS).explain({}, "device-2")
    ramp_verdict = explanation.candidates[0]

    assert explanation.winner_release_id == 50
    assert (ramp_verdict.bucket, ramp_verdict.in_rollout, ramp_verdict.applicable) == (
        416,
        True,
        True,
    )
    assert ramp_verdict.reason == "matches; device bucket 416 < 2500 (25.00%); winner"
    assert explanation.reason == (
        "no targeted release applies: empty target matches everyone (weight 0); "
        "tie on weight broken by recency: the in-progress release is the newest; "
        "device bucket 416 < 2500 (25.00%)"
    )


def test_device_outside_rollout_gets_baseline() -> None:
    explanation = Resolver([done(1), ramp(50, 2500, ANDROID)], POSITIONS).explain(
        {"os": "android"}, "device-1"
    )
    ramp_verdict = explanation.candidates[0]

    assert explanation.winner_release_id == 1
    assert (ramp_verdict.matched, ramp_verdict.applicable) == (True, False)
    assert (ramp_verdict.bucket, ramp_verdict.in_rollout) == (9333, False)
    assert ramp_verdict.reason == "matches, but device bucket 9333 >= 2500 (25.00%): not in rollout"
    assert explanation.reason.endswith(
        "in-progress release 50: device bucket 9333 >= 2500 (25.00%): not in rollout, "
        "baseline served"
    )


def test_no_identifier_skips_in_progress() -> None:
    explanation = Resolver([done(1), ramp(50, 10_000, ANDROID)], POSITIONS).explain(
        {"os": "android"}, None
    )
    ramp_verdict = explanation.candidates[0]

    assert explanation.winner_release_id == 1
    assert (ramp_verdict.bucket, ramp_verdict.in_rollout, ramp_verdict.applicable) == (
        None,
        None,
        False,
    )
    assert ramp_verdict.reason == "matches, but no identifier: in-progress release skipped"
    assert explanation.reason.endswith(
        "no identifier: in-progress release 50 skipped, baseline served"
    )


def test_paused_release_is_reported() -> None:
    paused = ramp(50, 5000, ANDROID, status="paused")
    explanation = Resolver([done(1), paused], POSITIONS).explain({"os": "android"}, "device-2")
    verdict = explanation.candidates[0]

    assert explanation.winner_release_id == 1
    assert (verdict.matched, verdict.applicable, verdict.in_rollout) == (True, False, None)
    assert verdict.bucket == 416
    assert verdict.reason == "paused: serves nobody until resumed"
    assert "release 50 is paused, baseline served" in explanation.reason


def test_nothing_served() -> None:
    assert Resolver([], POSITIONS).explain({}, None).reason == "no live release"
    explanation = Resolver([done(2, ANDROID)], POSITIONS).explain({"os": "ios"}, None)
    assert explanation.winner_release_id is None
    assert explanation.reason == "no live release matches this request"
    skipped = Resolver([ramp(50, 10_000)], POSITIONS).explain({}, None)
    assert skipped.winner_release_id is None
    assert skipped.reason == (
        "no identifier: in-progress release 50 skipped; no baseline matches, nothing served"
    )


@pytest.mark.parametrize(
    ("candidate", "positions"),
    [
        (done(2, Condition("carrier", "eq", ("x",))), POSITIONS),
        (done(2, ANDROID), {"os": -1}),
        (done(2, ANDROID, Condition("os", "eq", ("ios",))), POSITIONS),
        (done(2, Condition("app_version", "semver", ("abc",))), POSITIONS),
        (ramp(2, 10_001), POSITIONS),
        (ramp(2, -1), POSITIONS),
        (ramp(2, 100, status="created"), POSITIONS),
    ],
    ids=[
        "dimension without position",
        "negative position",
        "two conditions on one dimension",
        "malformed range",
        "rollout above 100%",
        "negative rollout",
        "unknown status",
    ],
)
def test_resolver_rejects_programming_errors(
    candidate: Candidate, positions: dict[str, int]
) -> None:
    with pytest.raises(ValueError):
        Resolver([candidate], positions)


def test_resolver_accepts_any_iterable_and_exposes_order() -> None:
    resolver = Resolver((c for c in [done(1), done(2, ANDROID), done(3, ANDROID)]), POSITIONS)
    assert [e.candidate.release_id for e in resolver.entries] == [3, 2, 1]
    assert [e.weight for e in resolver.entries] == [1, 1, 0]
