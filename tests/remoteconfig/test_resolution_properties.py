"""Property-based tests of the pure rules: property resolution and cohort evaluation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from semantic_version import Version

from tradewind.errors import BadRequest
from tradewind.remoteconfig.cohorts import apply_cohorts, parse_cohorts
from tradewind.remoteconfig.properties import PropertySchema, PropertySpec

pytestmark = pytest.mark.once

NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(st.dictionaries(NAMES, JSON_VALUES, max_size=8), st.data())
def test_release_values_overlay_defaults_per_name(defaults: dict[str, Any], data: Any) -> None:
    schema = PropertySchema.build(
        {name: PropertySpec(name, "", value, {}) for name, value in defaults.items()}
    )
    chosen = data.draw(
        st.lists(st.sampled_from(sorted(defaults)), unique=True) if defaults else st.just([])
    )
    overrides = {name: data.draw(JSON_VALUES) for name in chosen}
    resolved = schema.resolve(overrides)
    assert set(resolved) == set(defaults)
    for name, value in resolved.items():
        # Shallow: an object-valued override replaces the default whole, never merges into it.
        assert value == (overrides[name] if name in overrides else defaults[name])
    assert schema.problems(resolved) == []


@given(st.integers(min_value=-5, max_value=5), st.integers(min_value=-5, max_value=5))
def test_values_are_checked_against_each_schema(default: int, value: int) -> None:
    spec = PropertySpec("n", "", default, {"type": "integer", "minimum": 0})
    if default < 0:
        with pytest.raises(BadRequest) as caught:
            PropertySchema.build({"n": spec})
        assert caught.value.details["problem"] == "default_violates_schema"
        return
    schema = PropertySchema.build({"n": spec})
    problems = schema.problems({"n": value})
    assert (problems == []) == (value >= 0)
    assert all(p.name == "n" and p.problem == "schema_violation" for p in problems)


VERSIONS = st.tuples(*(st.integers(min_value=0, max_value=12),) * 3).map(
    lambda t: f"{t[0]}.{t[1]}.{t[2]}"
)


@given(st.lists(VERSIONS, min_size=1, max_size=6, unique=True), VERSIONS)
def test_first_matching_checkpoint_wins(checkpoints: list[str], device: str) -> None:
    ordered = sorted(checkpoints, key=Version, reverse=True)
    dimension = parse_cohorts(
        "c", "v", [{"name": f"at_{v}", "at_least": v} for v in ordered], "semver"
    )
    expected = next((f"at_{v}" for v in ordered if Version(device) >= Version(v)), "otherwise")
    assert dimension.evaluate(device) == expected
    assert apply_cohorts([dimension], {"v": device, "c": "forged"})["c"] == expected


@given(st.lists(VERSIONS, min_size=2, max_size=6, unique=True))
def test_checkpoints_out_of_order_are_refused_as_overlap(checkpoints: list[str]) -> None:
    ascending = sorted(checkpoints, key=Version)
    with pytest.raises(BadRequest) as caught:
        parse_cohorts("c", "v", [{"name": f"at_{v}", "at_least": v} for v in ascending], "semver")
    assert caught.value.details["problem"] == "overlap"


@given(
    st.lists(st.sets(st.text(min_size=1, max_size=4).filter(str.strip), max_size=4), max_size=4),
    st.text(max_size=4),
)
def test_groups_match_members_in_order(groups: list[set[str]], device: str) -> None:
    cohorts = [{"name": f"g{i}", "members": sorted(g)} for i, g in enumerate(groups) if g]
    members = [m.strip() for c in cohorts for m in c["members"]]
    if len(members) != len(set(members)) or not cohorts:
        with pytest.raises(BadRequest):
            parse_cohorts("c", "d", cohorts, "string")
        return
    dimension = parse_cohorts("c", "d", cohorts, "string")
    owner = {m.strip(): c["name"] for c in cohorts for m in c["members"]}
    assert dimension.evaluate(device) == owner.get(device.strip(), "otherwise")
    assert dimension.evaluate(None) == "otherwise"
