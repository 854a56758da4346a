"""Condition validation (management side) and compiled matching (device side)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.errors import BadRequest
from tradewind.targeting.conditions import (
    CompiledCondition,
    Condition,
    DimensionType,
    Operator,
    parse_range,
    parse_version,
    validate_conditions,
)

pytestmark = pytest.mark.once  # no database: one run is enough

TYPES: Mapping[str, DimensionType] = {
    "os": "string",
    "country": "string",
    "app_version": "semver",
}

VALID_RANGES = [
    ">=1.2.0 <2.0.0",
    "^1.2",
    "1.2.x",
    "~2.0.1",
    "*",
    "1.2.3 - 2.0.0",
    ">=1.0.0 <1.1.0 || >=2.0.0",
    ">=2.0.0-beta.1",
    "  ^1.2  ",
]


def test_valid_targets_pass() -> None:
    validate_conditions([], TYPES)
    validate_conditions(
        [
            Condition("os", "eq", ("android",)),
            Condition("country", "in", ("IN", "US", "FR")),
            Condition("app_version", "semver", ("^1.2",)),
        ],
        TYPES,
    )


@pytest.mark.parametrize("spec", VALID_RANGES)
def test_valid_ranges_pass(spec: str) -> None:
    validate_conditions([Condition("app_version", "semver", (spec,))], TYPES)


@pytest.mark.parametrize(("op", "values"), [("eq", ("1.2.0",)), ("in", ("1.2.0", "1.3.0"))])
def test_eq_and_in_allowed_on_semver_dimension(op: Operator, values: tuple[str, ...]) -> None:
    validate_conditions([Condition("app_version", op, values)], TYPES)


INVALID: list[tuple[str, list[Condition], int, str, str]] = [
    ("unknown dimension", [Condition("carrier", "eq", ("x",))], 0, "carrier", "unknown_dimension"),
    (
        "two conditions on one dimension",
        [Condition("os", "eq", ("android",)), Condition("os", "in", ("ios", "web"))],
        1,
        "os",
        "duplicate_dimension",
    ),
    (
        "unknown operator",
        [Condition("os", "gt", ("a",))],  # type: ignore[arg-type]
        0,
        "os",
        "unknown_operator",
    ),
    (
        "range on a string dimension",
        [Condition("os", "semver", (">=1.0.0",))],
        0,
        "os",
        "semver_on_string_dimension",
    ),
    ("eq without a value", [Condition("os", "eq", ())], 0, "os", "wrong_value_count"),
    ("eq with two values", [Condition("os", "eq", ("a", "b"))], 0, "os", "wrong_value_count"),
    ("in without a value", [Condition("os", "in", ())], 0, "os", "wrong_value_count"),
    (
        "range with two values",
        [Condition("app_version", "semver", ("^1.0", "^2.0"))],
        0,
        "app_version",
        "wrong_value_count",
    ),
    (
        "values given as a list",
        [Condition("os", "in", ["a"])],  # type: ignore[arg-type]
        0,
        "os",
        "wrong_value_count",
    ),
    ("empty eq value", [Condition("os", "eq", ("",))], 0, "os", "empty_value"),
    ("blank eq value", [Condition("os", "eq", ("   ",))], 0, "os", "empty_value"),
    ("empty value in a list", [Condition("os", "in", ("a", ""))], 0, "os", "empty_value"),
    (
        "non-string value",
        [Condition("os", "in", ("a", 3))],  # type: ignore[arg-type]
        0,
        "os",
        "empty_value",
    ),
    (
        "empty range",
        [Condition("app_version", "semver", ("",))],
        0,
        "app_version",
        "empty_value",
    ),
]

MALFORMED_RANGES = ["abc", "1..2", ">= 1.2.0", "latest", "~>1.2", ">1.2.3.4", "<=", "||", "^1.2 ||"]


@pytest.mark.parametrize(
    ("conditions", "index", "dimension", "problem"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_targets_are_rejected(
    conditions: list[Condition], index: int, dimension: str, problem: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        validate_conditions(conditions, TYPES)
    assert caught.value.status == 400
    assert caught.value.code == "invalid_target"
    assert caught.value.details == {"index": index, "dimension": dimension, "problem": problem}
    assert dimension in caught.value.message


@pytest.mark.parametrize("spec", MALFORMED_RANGES)
def test_malformed_ranges_are_rejected(spec: str) -> None:
    conditions = [Condition("os", "eq", ("android",)), Condition("app_version", "semver", (spec,))]
    with pytest.raises(BadRequest) as caught:
        validate_conditions(conditions, TYPES)
    assert caught.value.code == "invalid_target"
    assert caught.value.details == {
        "index": 1,
        "dimension": "app_version",
        "problem": "malformed_range",
    }


def test_first_problem_is_reported() -> None:
    conditions = [
        Condition("os", "eq", ("android",)),
        Condition("carrier", "eq", ("x",)),
        Condition("os", "eq", ("ios",)),
    ]
    with pytest.raises(BadRequest) as caught:
        validate_conditions(conditions, TYPES)
    assert caught.value.details["problem"] == "unknown_dimension"
    assert caught.value.details["index"] == 1


def test_compiled_condition_missing_dimension_is_false() -> None:
    for condition in (
        Condition("os", "eq", ("android",)),
        Condition("os", "in", ("android", "ios")),
        Condition("app_version", "semver", ("*",)),
    ):
        assert CompiledCondition(condition).matches({"country": "IN"}) is False


def test_compiled_condition_matching() -> None:
    in_list = CompiledCondition(Condition("country", "in", (" IN", "US ")))
    assert in_list.matches({"country": "IN"})
    assert in_list.matches({"country": " US"})
    assert not in_list.matches({"country": "in"})
    ranged = CompiledCondition(Condition("app_version", "semver", ("^1.2",)))
    assert ranged.matches({"app_version": "1.4.0"})
    assert not ranged.matches({"app_version": "2.0.0"})
    assert not ranged.matches({"app_version": "   "})


@pytest.mark.parametrize("spec", MALFORMED_RANGES)
def test_compiling_a_malformed_range_raises_value_error(spec: str) -> None:
    with pytest.raises(ValueError):
        CompiledCondition(Condition("app_version", "semver", (spec,)))


def test_compiling_an_unknown_operator_raises_value_error() -> None:
    with pytest.raises(ValueError):
        CompiledCondition(Condition("os", "gt", ("a",)))  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["abc", "", "1..2", "v1", "1.2", "1.2.3.4", "01.2.3", "1.2.3-"])
def test_parse_version_rejects_non_versions(text: str) -> None:
    assert parse_version(text) is None


def test_parse_version_accepts_npm_strict_forms() -> None:
    assert str(parse_version("1.2.3")) == "1.2.3"
    assert str(parse_version(" v1.2.3-rc.1+build ")) == "1.2.3-rc.1+build"


@given(st.text())
def test_parse_version_never_raises(text: str) -> None:
    parse_version(text)


@given(value=st.text(), spec=st.sampled_from(VALID_RANGES))
def test_range_matching_never_raises(value: str, spec: str) -> None:
    condition = CompiledCondition(Condition("app_version", "semver", (spec,)))
    assert condition.matches({"app_version": value}) in (True, False)


@given(st.text(alphabet="0123456789.^~<>=*xX |-+abv", max_size=30))
def test_parse_range_raises_only_value_error(text: str) -> None:
    # validate_conditions relies on this to turn every bad range into a 400.
    with contextlib.suppress(ValueError):
        parse_range(text)


@given(st.text(max_size=20))
def test_validate_conditions_raises_only_bad_request(text: str) -> None:
    try:
        validate_conditions([Condition("app_version", "semver", (text,))], TYPES)
    except BadRequest as error:
        assert error.code == "invalid_target"
