"""Property-based tests: bucket distribution, rollout monotonicity, independence across
releases, and the resolver against a brute-force model of the resolution rules (docs/releases.md).

The statistical tests draw 20,000 identifiers per example (twice the 10,000 the issue asks
for), so that the ±1.5 percentage-point tolerance is more than 4 standard deviations wide even
at 50%, and they run derandomized (a fixed sequence of examples): a correct hash does not fail
by bad luck, while a biased or correlated one still does (a 1-byte hash, or one that ignores the
release key, fails at once).
"""

from __future__ import annotations

import random
import uuid
from bisect import bisect_left
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from semantic_version import NpmSpec, Version

from tradewind.targeting.bucket import bucket
from tradewind.targeting.conditions import Condition
from tradewind.targeting.resolution import Candidate, Resolver, Status

pytestmark = pytest.mark.once  # no database: one run is enough

N = 20_000
STATISTICAL = settings(max_examples=12, derandomize=True, database=None, deadline=None)
STYLES = ["uuid", "sequential", "email", "hex"]


def identifiers(style: str, seed: int, count: int = N) -> list[str]:
    rng = random.Random(seed)
    start = rng.randrange(10**6)
    if style == "uuid":
        return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]
    if style == "sequential":
        return [f"device-{start + i}" for i in range(count)]
    if style == "email":
        return [f"user{start + i}@example.com" for i in range(count)]
    return [f"{rng.getrandbits(64):016x}" for _ in range(count)]


@STATISTICAL
@given(
    release_id=st.integers(min_value=1, max_value=10**9),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    style=st.sampled_from(STYLES),
)
def test_share_in_rollout_matches_percentage(release_id: int, seed: int, style: str) -> None:
    buckets = sorted(bucket(str(release_id), i) for i in identifiers(style, seed))
    for bp in (100, 500, 1000, 1250, 2500, 5000, 7500, 9000, 9900):
        share = bisect_left(buckets, bp) / N  # devices with bucket < bp
        assert abs(share - bp / 10_000) <= 0.015, (bp, share)


@STATISTICAL
@given(
    first=st.integers(min_value=1, max_value=10**9),
    gap=st.one_of(st.just(1), st.integers(min_value=1, max_value=10**6)),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    style=st.sampled_from(STYLES),
)
def test_buckets_of_two_releases_are_independent(
    first: int, gap: int, seed: int, style: str
) -> None:
    ids = identifiers(style, seed)
    a = [bucket(str(first), i) for i in ids]
    b = [bucket(str(first + gap), i) for i in ids]
    for p1, p2 in ((5000, 5000), (2500, 6000), (1000, 9000), (2000, 2000)):
        both = sum(1 for x, y in zip(a, b, strict=True) if x < p1 and y < p2) / N
        assert abs(both - p1 * p2 / 10**8) <= 0.015, (p1, p2, both)
    assert abs(correlation(a, b)) < 0.05


def correlation(xs: list[int], ys: list[int]) -> float:
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    var_x = sum((x - mean_x) ** 2 for x in xs)
    var_y = sum((y - mean_y) ** 2 for y in ys)
    return float(cov / (var_x * var_y) ** 0.5)


def ramp_resolver(release_id: int, bp: int) -> Resolver:
    baseline = Candidate(1, "1", (), "concluded", 10_000, 1)
    ramp = Candidate(release_id, str(release_id), (), "in_progress", bp, 2)
    return Resolver([baseline, ramp], {})


@given(
    release_id=st.integers(min_value=2, max_value=10**9),
    bps=st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)),
    ids=st.lists(st.text(max_size=40), min_size=1, max_size=60),
)
def test_widening_never_removes_and_narrowing_never_adds(
    release_id: int, bps: tuple[int, int], ids: list[str]
) -> None:
    low, high = sorted(bps)

    def served(bp: int) -> set[str]:
        resolver = ramp_resolver(release_id, bp)
        return {i for i in ids if _winner(resolver, {}, i) == release_id}

    narrow, wide = served(low), served(high)
    assert narrow <= wide
    assert wide - narrow == {i for i in ids if low <= bucket(str(release_id), i) < high}


def test_stepped_ramp_only_ever_adds_devices() -> None:
    ids = identifiers("uuid", 7, 2000)
    previous: set[str] = set()
    for bp in (0, 100, 500, 2500, 5000, 9999, 10_000):
        resolver = ramp_resolver(99, bp)
        current = {i for i in ids if _winner(resolver, {}, i) == 99}
        assert previous <= current
        previous = current
    assert previous == set(ids)


# --- resolver against a brute-force model ---------------------------------------------------

POSITIONS = {"os": 0, "country": 1, "app_version": 2, "merchant_id": 3}
VALUES = {"os": ["android", "ios"], "country": ["IN", "US", "FR"], "merchant_id": ["m1", "m2"]}
STATUSES: list[Status] = ["in_progress", "paused", "concluded"]
RANGES = ["*", "^1.2", ">=2.0.0", "1.2.x", ">=2.0.0-beta.1 <3.0.0", "~1.3.0"]
VERSIONS = ["1.2.0", "1.3.4", "2.0.0", "2.0.0-beta.2", "2.5.0", "abc", "", "v1", "1..2", "1.2"]


@st.composite
def conditions(draw: st.DrawFn) -> tuple[Condition, ...]:
    chosen = draw(st.sets(st.sampled_from(sorted(POSITIONS))))
    result = []
    for name in sorted(chosen):
        if name == "app_version":
            result.append(Condition(name, "semver", (draw(st.sampled_from(RANGES)),)))
        elif draw(st.booleans()):
            result.append(Condition(name, "eq", (draw(st.sampled_from(VALUES[name])),)))
        else:
            picked = draw(st.sets(st.sampled_from(VALUES[name]), min_size=1))
            result.append(Condition(name, "in", tuple(sorted(picked))))
    return tuple(result)


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    count = draw(st.integers(min_value=0, max_value=6))
    result = []
    for release_id in range(1, count + 1):
        status = draw(st.sampled_from(STATUSES))
        bp = draw(st.sampled_from([0, 1, 2500, 5000, 9999, 10_000]))
        order = draw(st.integers(min_value=0, max_value=4))  # ties exercise the id fallback
        key = str(release_id)
        result.append(Candidate(release_id, key, draw(conditions()), status, bp, order))
    return result


contexts = st.fixed_dictionaries(
    {},
    optional={
        "os": st.sampled_from(VALUES["os"]),
        "country": st.sampled_from(VALUES["country"]),
        "merchant_id": st.sampled_from(VALUES["merchant_id"]),
        "app_version": st.sampled_from(VERSIONS),
        "carrier": st.text(max_size=5),
    },
)


def model_matches(condition: Condition, context: Mapping[str, str]) -> bool:
    value = context.get(condition.dimension)
    if value is None:
        return False
    if condition.op != "semver":
        return value in condition.values
    try:
        version = Version(value[1:] if value.startswith("v") else value)
    except ValueError:
        return False
    return bool(NpmSpec(condition.values[0]).match(version))


def model_winner(
    all_candidates: list[Candidate], context: Mapping[str, str], identifier: str | None
) -> int | None:
    def applies(c: Candidate) -> bool:
        if c.status == "paused" or not all(model_matches(x, context) for x in c.conditions):
            return False
        if c.status == "concluded":
            return True
        return identifier is not None and bucket(c.key, identifier) < c.rollout_bp

    def rank(c: Candidate) -> tuple[int, int, int]:
        weight = sum(2 ** POSITIONS[x.dimension] for x in c.conditions)
        return (weight, c.order, c.release_id)

    applicable = [c for c in all_candidates if applies(c)]
    return max(applicable, key=rank).release_id if applicable else None


@settings(max_examples=300)
@given(
    all_candidates=candidates(),
    context=contexts,
    identifier=st.one_of(st.none(), st.sampled_from(["device-1", "device-2", "x", ""])),
)
def test_resolver_agrees_with_model_and_explain(
    all_candidates: list[Candidate], context: dict[str, str], identifier: str | None
) -> None:
    resolver = Resolver(all_candidates, POSITIONS)
    expected = model_winner(all_candidates, context, identifier)

    assert _winner(resolver, context, identifier) == expected
    explanation = resolver.explain(context, identifier)
    assert explanation.winner_release_id == expected
    assert [v.release_id for v in explanation.candidates if v.applicable][:1] == (
        [] if expected is None else [expected]
    )


def _winner(resolver: Resolver, context: Mapping[str, str], identifier: str | None) -> int | None:
    winner = resolver.resolve(context, identifier)
    return None if winner is None else winner.release_id
