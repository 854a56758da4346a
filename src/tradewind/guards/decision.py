"""How a guard judges a release: pure arithmetic over its outcomes and its baseline's.

The release trips when it has at least `min_sample` trials and the lower bound of the Wilson
95% interval of its failure rate is above `max_failure_rate`, or above the baseline release's
observed failure rate by more than `max_excess` (compared only when the baseline has at least
`min_sample` trials of its own). The lower bound makes the guard act only when the data say,
with 95% confidence, that the rate is really that high.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tradewind.analytics.stats import Outcomes, wilson_interval
from tradewind.targeting.bucket import BUCKETS

Reason = Literal["failure_rate", "excess_over_baseline"]
BP_PER_PERCENT = BUCKETS // 100


@dataclass(frozen=True, slots=True)
class Limits:
    min_sample: int
    max_failure_rate: float
    max_excess: float | None = None
    ramp_steps: tuple[int, ...] = ()
    ramp_interval_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class Baseline:
    release_id: int
    outcomes: Outcomes


@dataclass(frozen=True, slots=True)
class Verdict:
    reason: Reason | None
    figures: dict[str, Any]
    enough_data: bool  # at least min_sample trials

    @property
    def tripped(self) -> bool:
        return self.reason is not None


def judge(limits: Limits, outcomes: Outcomes, baseline: Baseline | None) -> Verdict:
    low, high = wilson_interval(outcomes.failures, outcomes.trials)
    figures: dict[str, Any] = {
        "trials": outcomes.trials,
        "failures": outcomes.failures,
        "rate": _round(outcomes.rate),
        "wilson_low": _round(low),
        "wilson_high": _round(high),
        "min_sample": limits.min_sample,
        "max_failure_rate": limits.max_failure_rate,
        "max_excess": limits.max_excess,
        **_baseline_figures(limits, baseline),
    }
    if outcomes.trials < limits.min_sample:
        return Verdict(None, figures, enough_data=False)
    if low > limits.max_failure_rate:
        return Verdict("failure_rate", figures, enough_data=True)
    baseline_rate = figures["baseline_rate"]
    if limits.max_excess is not None and baseline_rate is not None:
        figures["excess"] = _round(low - baseline_rate)
        if low - baseline_rate > limits.max_excess:
            return Verdict("excess_over_baseline", figures, enough_data=True)
    return Verdict(None, figures, enough_data=True)


def _baseline_figures(limits: Limits, baseline: Baseline | None) -> dict[str, Any]:
    if baseline is None:
        return {"baseline_release_id": None, "baseline_trials": 0, "baseline_rate": None}
    outcomes = baseline.outcomes
    comparable = outcomes.trials >= limits.min_sample
    return {
        "baseline_release_id": baseline.release_id,
        "baseline_trials": outcomes.trials,
        "baseline_failures": outcomes.failures,
        "baseline_rate": _round(outcomes.rate) if comparable else None,
    }


def next_ramp_step(limits: Limits, rollout_bp: int) -> int | None:
    """The first scheduled percentage above the current rollout, if any."""
    for step in limits.ramp_steps:
        if step * BP_PER_PERCENT > rollout_bp:
            return step
    return None


def _round(value: float) -> float:
    return round(value, 6)
