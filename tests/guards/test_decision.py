"""The guard's rule as arithmetic: thresholds, the sample size, and the baseline comparison."""

from __future__ import annotations

import pytest

from tradewind.analytics.stats import Outcomes, wilson_interval
from tradewind.guards.decision import Baseline, Limits, judge, next_ramp_step


def outcomes(installs: int, failures: int) -> Outcomes:
    return Outcomes(
        downloads=0, download_failures=0, installs=installs, install_failures=failures, rollbacks=0
    )


@pytest.mark.parametrize(
    ("installs", "failures", "limit", "reason"),
    [
        (190, 10, 0.02, "failure_rate"),  # 5%: lower bound 2.7% > 2%
        (97, 3, 0.02, None),  # 3%: lower bound 1.0% < 2%
        (0, 100, 0.95, "failure_rate"),  # everything failed: lower bound 96.3%
        (100, 0, 0.0, None),  # no failure is never above a zero limit
        (99, 0, 0.0, None),  # under min_sample, whatever the figures
    ],
)
def test_failure_rate_limit(installs: int, failures: int, limit: float, reason: str | None) -> None:
    verdict = judge(
        Limits(min_sample=100, max_failure_rate=limit), outcomes(installs, failures), None
    )
    assert verdict.reason == reason
    low, high = wilson_interval(failures, installs + failures)
    assert verdict.figures["wilson_low"] == round(low, 6)
    assert verdict.figures["wilson_high"] == round(high, 6)


def test_the_sample_threshold_is_inclusive() -> None:
    limits = Limits(min_sample=100, max_failure_rate=0.01)
    assert not judge(limits, outcomes(49, 50), None).enough_data
    assert judge(limits, outcomes(50, 50), None).reason == "failure_rate"


def test_excess_over_the_baseline() -> None:
    limits = Limits(min_sample=100, max_failure_rate=0.5, max_excess=0.01)
    release = outcomes(950, 50)  # 5%: lower bound 3.8%
    good_baseline = Baseline(7, outcomes(995, 5))  # 0.5%
    verdict = judge(limits, release, good_baseline)
    assert verdict.reason == "excess_over_baseline"
    assert verdict.figures["baseline_release_id"] == 7
    assert verdict.figures["excess"] == pytest.approx(verdict.figures["wilson_low"] - 0.005)
    assert judge(limits, release, Baseline(7, outcomes(950, 50))).reason is None  # as bad
    assert judge(limits, release, Baseline(7, outcomes(99, 0))).reason is None  # too small
    assert judge(limits, release, None).reason is None  # no baseline
    no_excess = Limits(min_sample=100, max_failure_rate=0.5, max_excess=None)
    assert judge(no_excess, release, good_baseline).reason is None  # comparison switched off


@pytest.mark.parametrize(
    ("rollout_bp", "step"), [(0, 1), (100, 10), (500, 10), (1000, 50), (5000, 100), (10_000, None)]
)
def test_next_ramp_step(rollout_bp: int, step: int | None) -> None:
    limits = Limits(min_sample=1, max_failure_rate=0.1, ramp_steps=(1, 10, 50, 100))
    assert next_ramp_step(limits, rollout_bp) == step
