"""Pure arithmetic over signal counts: a release's outcomes and its failure-rate interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959964
"""The standard normal quantile for a two-sided 95% interval."""


@dataclass(frozen=True)
class Outcomes:
    """What devices reported about one release, all time.

    A trial is an attempt that ended one way or the other: an install, or a failure (a failed
    download, a failed install, or a rollback on the device).
    """

    downloads: int
    download_failures: int
    installs: int
    install_failures: int
    rollbacks: int

    @property
    def failures(self) -> int:
        return self.download_failures + self.install_failures + self.rollbacks

    @property
    def trials(self) -> int:
        return self.installs + self.failures

    @property
    def rate(self) -> float:
        """failures / trials; 0.0 when there was no trial yet."""
        return self.failures / self.trials if self.trials else 0.0


NO_OUTCOMES = Outcomes(0, 0, 0, 0, 0)


def wilson_interval(failures: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion failures / trials.

    With no trial the proportion is unknown, so the interval is the whole (0.0, 1.0): a caller
    comparing its lower bound with a limit never acts on an empty sample. Failures above the
    trials are clamped to the trials.
    """
    if trials <= 0:
        return (0.0, 1.0)
    failures = min(max(failures, 0), trials)
    p = failures / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = p + z2 / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    low = (centre - margin) / denominator
    high = (centre + margin) / denominator
    return (max(0.0, low), min(1.0, high))
