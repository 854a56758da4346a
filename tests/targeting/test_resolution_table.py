"""Conformance table for release resolution (the resolution rules of docs/releases.md).

Each case lists the application's dimensions (type, position), its live candidates, a request
context and identifier, and the release that must win. Every case is also checked through
`validate_conditions` (the table only holds storable targets) and through `explain` (which must
name the same winner).

Bucket facts the rollout cases rely on (pinned in test_bucket.py):
bucket("50", "device-2") == 416 and bucket("50", "device-1") == 9333.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tradewind.targeting.conditions import Condition, DimensionType, validate_conditions
from tradewind.targeting.resolution import Candidate, Resolver

pytestmark = pytest.mark.once  # no database: one run is enough

DIMS: dict[str, tuple[DimensionType, int]] = {
    "os": ("string", 0),
    "country": ("string", 1),
    "app_version": ("semver", 2),
    "merchant_id": ("string", 3),
}


def eq(dimension: str, value: str) -> Condition:
    return Condition(dimension, "eq", (value,))


def one_of(dimension: str, *values: str) -> Condition:
    return Condition(dimension, "in", values)


def rng(spec: str, dimension: str = "app_version") -> Condition:
    return Condition(dimension, "semver", (spec,))


def done(release_id: int, *conditions: Condition, order: int | None = None) -> Candidate:
    order = release_id if order is None else order
    return Candidate(release_id, str(release_id), conditions, "concluded", 10_000, order)


def ramp(release_id: int, bp: int, *conditions: Condition, order: int = 1000) -> Candidate:
    return Candidate(release_id, str(release_id), conditions, "in_progress", bp, order)


def paused(release_id: int, bp: int, *conditions: Condition, order: int = 1000) -> Candidate:
    return Candidate(release_id, str(release_id), conditions, "paused", bp, order)


ANDROID = eq("os", "android")
BASE = done(1)  # the empty-target baseline, served to everyone


@dataclass(frozen=True)
class Case:
    description: str
    candidates: tuple[Candidate, ...]
    context: dict[str, str]
    expected: int | None
    identifier: str | None = None
    dimensions: dict[str, tuple[DimensionType, int]] = field(default_factory=lambda: DIMS)


def version_case(description: str, spec: str, version: str, matches: bool) -> Case:
    return Case(
        description,
        (BASE, done(2, rng(spec))),
        {"app_version": version},
        2 if matches else 1,
    )


CASES: list[Case] = [
    # --- empty targets and plain matching ------------------------------------------------
    Case("no live release at all", (), {"os": "android"}, None),
    Case("empty target serves an empty context", (BASE,), {}, 1),
    Case("empty target serves any context", (BASE,), {"os": "ios", "country": "IN"}, 1),
    Case("matching target beats the empty one", (BASE, done(2, ANDROID)), {"os": "android"}, 2),
    Case("non-matching target falls back to empty", (BASE, done(2, ANDROID)), {"os": "ios"}, 1),
    Case("targeted only, no match: nothing served", (done(2, ANDROID),), {"os": "ios"}, None),
    Case(
        "dimension missing from the request fails", (BASE, done(2, ANDROID)), {"country": "IN"}, 1
    ),
    Case(
        "every condition must hold",
        (BASE, done(2, ANDROID, eq("country", "IN"))),
        {"os": "android", "country": "US"},
        1,
    ),
    Case(
        "all conditions hold",
        (BASE, done(2, ANDROID, eq("country", "IN"))),
        {"os": "android", "country": "IN"},
        2,
    ),
    Case(
        "a failing 2-condition target falls back to a 1-condition one",
        (BASE, done(2, ANDROID), done(3, ANDROID, eq("country", "IN"))),
        {"os": "android", "country": "US"},
        2,
    ),
    Case("eq compares exact strings: case matters", (BASE, done(2, ANDROID)), {"os": "Android"}, 1),
    Case("eq strips request whitespace", (BASE, done(2, ANDROID)), {"os": "  android "}, 2),
    Case(
        "eq strips target whitespace", (BASE, done(2, eq("os", " android"))), {"os": "android"}, 2
    ),
    Case(
        "one-of matches a listed value",
        (BASE, done(2, one_of("country", "IN", "US"))),
        {"country": "US"},
        2,
    ),
    Case(
        "one-of rejects an unlisted value",
        (BASE, done(2, one_of("country", "IN", "US"))),
        {"country": "FR"},
        1,
    ),
    Case(
        "unknown request dimensions are ignored",
        (BASE, done(2, ANDROID)),
        {"os": "android", "carrier": "x", "device_id": "d1"},
        2,
    ),
    # --- specificity by position ----------------------------------------------------------
    Case(
        "position 2 (weight 4) beats positions 0+1 (weight 3)",
        (done(2, rng(">=1.0.0")), done(3, ANDROID, eq("country", "IN"))),
        {"os": "android", "country": "IN", "app_version": "1.5.0"},
        2,
    ),
    Case(
        "positions 0+1 (weight 3) beat position 1 (weight 2)",
        (done(3, ANDROID, eq("country", "IN")), done(2, eq("country", "IN"))),
        {"os": "android", "country": "IN"},
        3,
    ),
    Case(
        "position 3 (weight 8) beats positions 0+1+2 (weight 7)",
        (done(2, eq("merchant_id", "m1")), done(3, ANDROID, eq("country", "IN"), rng("*"))),
        {"os": "android", "country": "IN", "app_version": "1.0.0", "merchant_id": "m1"},
        2,
    ),
    Case(
        "specificity beats recency",
        (done(5, ANDROID), done(2, eq("country", "IN"))),
        {"os": "android", "country": "IN"},
        2,
    ),
    Case(
        "positions come from the application's dimensions",
        (done(2, ANDROID), done(3, eq("country", "IN"))),
        {"os": "android", "country": "IN"},
        2,
        dimensions={"os": ("string", 5), "country": ("string", 1)},
    ),
    # --- ties broken by recency -------------------------------------------------------------
    Case(
        "tie on weight: most recently concluded wins",
        (done(2, ANDROID), done(3, ANDROID)),
        {"os": "android"},
        3,
    ),
    Case(
        "tie on weight: order, not release id, decides",
        (done(2, ANDROID, order=9), done(3, ANDROID, order=4)),
        {"os": "android"},
        2,
    ),
    Case(
        "tie on weight: the newer one does not match, the older wins",
        (done(2, ANDROID), done(3, ANDROID, eq("country", "IN")), done(4, eq("country", "US"))),
        {"os": "android", "country": "FR"},
        2,
    ),
    Case("two empty targets: the newer baseline wins", (done(1), done(2)), {}, 2),
    Case(
        "rollback: older content re-concluded as a newer candidate wins",
        (done(2), done(3), done(4, order=10)),
        {},
        4,
    ),
    Case(
        "discarded release is simply absent: previous baseline served",
        (done(2, ANDROID),),
        {"os": "android"},
        2,
    ),
    # --- semver ranges ------------------------------------------------------------------------
    version_case("range >=1.2.0 <2.0.0 contains 1.5.0", ">=1.2.0 <2.0.0", "1.5.0", True),
    version_case("range >=1.2.0 <2.0.0 excludes 2.0.0", ">=1.2.0 <2.0.0", "2.0.0", False),
    version_case("range >=1.2.0 <2.0.0 excludes 1.1.9", ">=1.2.0 <2.0.0", "1.1.9", False),
    version_case("caret ^1.2 contains 1.9.3", "^1.2", "1.9.3", True),
    version_case("caret ^1.2 excludes 1.1.9", "^1.2", "1.1.9", False),
    version_case("caret ^1.2 excludes 2.0.0", "^1.2", "2.0.0", False),
    version_case("x-range 1.2.x contains 1.2.7", "1.2.x", "1.2.7", True),
    version_case("x-range 1.2.x excludes 1.3.0", "1.2.x", "1.3.0", False),
    version_case("tilde ~2.0.1 contains 2.0.5", "~2.0.1", "2.0.5", True),
    version_case("tilde ~2.0.1 excludes 2.1.0", "~2.0.1", "2.1.0", False),
    version_case("star contains a release", "*", "3.4.5", True),
    version_case("alternatives with ||", ">=1.0.0 <1.1.0 || >=2.0.0", "2.3.0", True),
    version_case("build metadata is ignored", "^1.2", "1.2.0+42", True),
    version_case("request value is stripped", "^1.2", " 1.5.0 ", True),
    version_case("a leading v is accepted (npm)", ">=1.0.0", "v1.2.3", True),
    # --- pre-releases (npm semantics) ----------------------------------------------------------
    version_case("pre-release 2.0.0-beta.1 is below >=2.0.0", ">=2.0.0", "2.0.0-beta.1", False),
    version_case(
        "pre-release in a range naming the same patch", ">=2.0.0-beta.1", "2.0.0-beta.2", True
    ),
    version_case(
        "pre-release of another patch is excluded", ">=2.0.0-beta.1", "2.1.0-beta.1", False
    ),
    version_case("pre-release 1.3.0-beta is excluded by ^1.2", "^1.2", "1.3.0-beta", False),
    version_case("star excludes pre-releases", "*", "3.4.5-rc.1", False),
    # --- malformed request versions never crash --------------------------------------------
    version_case("malformed version 'abc'", "*", "abc", False),
    version_case("malformed version ''", "*", "", False),
    version_case("malformed version '1..2'", "*", "1..2", False),
    version_case("malformed version 'v1'", "*", "v1", False),
    version_case("partial version '1.2' is not a version", ">=1.0.0", "1.2", False),
    version_case("leading zero is not a version", ">=1.0.0", "01.2.3", False),
    version_case("absurdly long value is not a version", "*", "1." * 300 + "0", False),
    Case(
        "semver dimension with eq compares strings",
        (BASE, done(2, eq("app_version", "1.2"))),
        {"app_version": "1.2"},
        2,
    ),
    Case(
        "semver dimension with eq: '1.2.0' is not '1.2'",
        (BASE, done(2, eq("app_version", "1.2"))),
        {"app_version": "1.2.0"},
        1,
    ),
    # --- lifecycle -------------------------------------------------------------------------------
    Case(
        "paused release never applies",
        (BASE, paused(50, 10_000, ANDROID)),
        {"os": "android"},
        1,
        identifier="device-2",
    ),
    Case(
        "paused release alone: nothing served",
        (paused(50, 10_000),),
        {},
        None,
        identifier="device-2",
    ),
    Case("in progress without identifier: baseline served", (BASE, ramp(50, 5000)), {}, 1),
    Case(
        "in progress at 100% without identifier: baseline still served",
        (BASE, ramp(50, 10_000)),
        {},
        1,
    ),
    Case("in progress without identifier and no baseline: nothing", (ramp(50, 10_000),), {}, None),
    Case(
        "in progress at 100% with identifier",
        (BASE, ramp(50, 10_000)),
        {},
        50,
        identifier="device-1",
    ),
    Case("in progress at 0% with identifier", (BASE, ramp(50, 0)), {}, 1, identifier="device-2"),
    Case(
        "in progress 25%: device bucket 416 is in",
        (BASE, ramp(50, 2500)),
        {},
        50,
        identifier="device-2",
    ),
    Case(
        "in progress 25%: device bucket 9333 is out",
        (BASE, ramp(50, 2500)),
        {},
        1,
        identifier="device-1",
    ),
    Case("bucket equal to the rollout is out", (BASE, ramp(50, 416)), {}, 1, identifier="device-2"),
    Case(
        "bucket just below the rollout is in", (BASE, ramp(50, 417)), {}, 50, identifier="device-2"
    ),
    Case(
        "in progress on the baseline's target beats it for devices in the rollout",
        (BASE, done(2, ANDROID), ramp(50, 2500, ANDROID)),
        {"os": "android"},
        50,
        identifier="device-2",
    ),
    Case(
        "in progress on the baseline's target: devices out keep the baseline",
        (BASE, done(2, ANDROID), ramp(50, 2500, ANDROID)),
        {"os": "android"},
        2,
        identifier="device-1",
    ),
    Case(
        "in progress but not matching: baseline",
        (BASE, ramp(50, 10_000, ANDROID)),
        {"os": "ios"},
        1,
        identifier="device-2",
    ),
    Case(
        "in-progress empty target loses to a matching concluded targeted release",
        (BASE, done(2, ANDROID), ramp(50, 10_000)),
        {"os": "android"},
        2,
        identifier="device-2",
    ),
    Case(
        "more specific in-progress release beats an empty baseline",
        (BASE, ramp(50, 10_000, ANDROID, eq("country", "IN"))),
        {"os": "android", "country": "IN"},
        50,
        identifier="device-2",
    ),
    Case(
        "identifier from a dimension works like any string",
        (BASE, ramp(50, 2500)),
        {"device_id": "device-2"},
        50,
        identifier="device-2",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.description for case in CASES])
def test_resolution(case: Case) -> None:
    types = {name: kind for name, (kind, _) in case.dimensions.items()}
    positions = {name: position for name, (_, position) in case.dimensions.items()}
    for candidate in case.candidates:
        validate_conditions(candidate.conditions, types)
    resolver = Resolver(case.candidates, positions)

    winner = resolver.resolve(case.context, case.identifier)
    explanation = resolver.explain(case.context, case.identifier)

    assert (None if winner is None else winner.release_id) == case.expected
    assert explanation.winner_release_id == case.expected


def test_table_is_large_and_descriptions_unique() -> None:
    assert len(CASES) >= 40
    assert len({case.description for case in CASES}) == len(CASES)
