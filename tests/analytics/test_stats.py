"""Outcomes arithmetic and the Wilson score interval against published values."""

from __future__ import annotations

import pytest

from tradewind.analytics.stats import Outcomes, wilson_interval


@pytest.mark.parametrize(
    ("failures", "trials", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion", method 3.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_published_values(
    failures: int, trials: int, low: float, high: float
) -> None:
    got = wilson_interval(failures, trials)
    assert got == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_wilson_interval_without_trials_is_the_whole_range() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_interval_all_failures_reaches_one() -> None:
    low, high = wilson_interval(20, 20)
    assert high == 1.0
    assert low == pytest.approx(1 - 0.1611, abs=5e-5)


def test_wilson_interval_narrows_with_more_trials() -> None:
    small = wilson_interval(5, 100)
    large = wilson_interval(500, 10_000)
    assert small[0] < large[0] < 0.05 < large[1] < small[1]


def test_outcomes_rate_counts_every_kind_of_failure() -> None:
    outcomes = Outcomes(
        downloads=90, download_failures=10, installs=80, install_failures=5, rollbacks=5
    )
    assert outcomes.failures == 20
    assert outcomes.trials == 100
    assert outcomes.rate == 0.2


def test_outcomes_rate_without_trials_is_zero() -> None:
    assert Outcomes(3, 0, 0, 0, 0).rate == 0.0
