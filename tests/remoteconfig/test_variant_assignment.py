"""Property-based tests of variant assignment: shares hold over many devices, and a device
only leaves a variant whose share went down."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.errors import BadRequest
from tradewind.remoteconfig.variants import VariantPicker, allocate, check_shares
from tradewind.targeting.bucket import BUCKETS

pytestmark = pytest.mark.once

DEVICES = [f"device-{n}" for n in range(10_000)]


@st.composite
def shares(draw: st.DrawFn, count: int | None = None) -> dict[str, int]:
    """2..5 variants with shares of whole percent points (>= 5 each) adding up to 100."""
    n = count or draw(st.integers(min_value=2, max_value=5))
    cuts = sorted(draw(st.lists(st.integers(1, 19), min_size=n - 1, max_size=n - 1, unique=True)))
    points = [b - a for a, b in zip([0, *cuts], [*cuts, 20], strict=True)]
    return {f"v{i}": p * 500 for i, p in enumerate(points)}


def tolerance(share: float) -> float:
    """Five standard deviations of a share of len(DEVICES) independent devices. A fixed 1.5
    points was 3.5 deviations at a 30 % share: about 1 run in 30 failed by chance alone."""
    return 5 * math.sqrt(share * (1 - share) / len(DEVICES))


def assignment(release_id: int, ranges: dict[str, list[list[int]]]) -> dict[str, str]:
    ids = {n: i for i, n in enumerate(sorted(ranges))}
    names = {i: n for n, i in ids.items()}
    picker = VariantPicker(release_id, {ids[n]: r for n, r in ranges.items()})
    return {d: names[picker.pick(d)[0]] for d in DEVICES}


@settings(max_examples=15, deadline=None)
@given(shares(), st.integers(min_value=1, max_value=10**6))
def test_shares_hold_within_five_standard_deviations(
    wanted: dict[str, int], release_id: int
) -> None:
    ranges = allocate(wanted)
    held = {n: sum(h - lo for lo, h in r) for n, r in ranges.items()}
    assert held == wanted
    spans = sorted((lo, h) for r in ranges.values() for lo, h in r)
    assert spans[0][0] == 0 and spans[-1][1] == BUCKETS
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))  # a partition
    got = assignment(release_id, ranges)
    for name, share in wanted.items():
        observed = sum(1 for v in got.values() if v == name) / len(DEVICES)
        assert abs(observed - share / BUCKETS) <= tolerance(share / BUCKETS), (name, observed)


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 4).flatmap(lambda n: st.tuples(shares(n), shares(n))))
def test_devices_stay_unless_their_variant_shrank(
    pair: tuple[dict[str, int], dict[str, int]],
) -> None:
    before, after = pair
    first = allocate(before)
    second = allocate(after, first)
    old, new = assignment(7, first), assignment(7, second)
    for device, variant in old.items():
        if after[variant] >= before[variant]:
            assert new[device] == variant
    moved_out = {v for d, v in old.items() if new[d] != v}
    assert all(after[v] < before[v] for v in moved_out)


@pytest.mark.parametrize(
    ("given_shares", "problem"),
    [
        ({"a": 10_000}, "wrong_variant_count"),
        ({"a": 5000, "b": 4000}, "shares_not_100"),
        ({"a": 6000, "b": 5000}, "shares_not_100"),
        ({"a": 10_000, "b": 0}, "empty_share"),
    ],
)
def test_bad_shares(given_shares: dict[str, int], problem: str) -> None:
    with pytest.raises(BadRequest) as caught:
        check_shares(given_shares)
    assert caught.value.code == "invalid_variants"
    assert caught.value.details["problem"] == problem
