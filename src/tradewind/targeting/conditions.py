"""Target conditions: their validation (management side) and their matching (device side).

A condition constrains one dimension of the request context:

- ``eq``: the value equals exactly one string;
- ``in``: the value is one of 1..N strings;
- ``semver``: the value is a semantic version inside an npm-style range (``>=1.2.0 <2.0.0``,
  ``^1.2``, ``1.2.x``, ``~2.0.1``, ``*``, alternatives with ``||``), only on semver dimensions.

``eq`` / ``in`` compare exact strings after stripping surrounding whitespace, on every dimension
type (on a semver dimension ``eq "1.2"`` does not match ``"1.2.0"``). Ranges are parsed and
matched by ``semantic_version.NpmSpec``, so pre-releases follow npm: ``2.0.0-beta.1`` is not in
``>=2.0.0`` and ``1.3.0-beta`` is not in ``^1.2``; a pre-release only satisfies a comparator that
itself names a pre-release of the same ``major.minor.patch``.

Request versions are parsed like npm's strict parser: full ``MAJOR.MINOR.PATCH[-pre][+build]``
with one optional leading ``v``. Anything else (``"abc"``, ``""``, ``"1..2"``, ``"v1"``,
``"1.2"``) is not a version: a range condition on it fails, it never raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, get_args

from semantic_version import NpmSpec, Version

from tradewind.errors import BadRequest

DimensionType = Literal["string", "semver"]
Operator = Literal["eq", "in", "semver"]

OPERATORS: frozenset[str] = frozenset(get_args(Operator))
# Longer request values are never valid versions; the cap also bounds the parse cache's memory.
MAX_VERSION_LENGTH = 256


@dataclass(frozen=True, slots=True)
class Condition:
    dimension: str
    op: Operator
    values: tuple[str, ...]


@lru_cache(maxsize=4096)
def _parse_version_cached(text: str) -> Version | None:
    if text[:1] == "v":
        text = text[1:]
    try:
        return Version(text)
    except ValueError:
        return None


def parse_version(value: str) -> Version | None:
    """The request value as a semantic version, or None when it is not one. Never raises."""
    text = value.strip()
    if not text or len(text) > MAX_VERSION_LENGTH:
        return None
    return _parse_version_cached(text)


@lru_cache(maxsize=1024)
def parse_range(text: str) -> Any:
    """Parse an npm-style range into an ``NpmSpec``; ValueError when malformed.

    Stricter than npm in one way: an empty alternative (``"^1.2 ||"``, ``"||"``) is rejected,
    because npm reads it as ``*`` and a typo would silently target everyone.
    """
    text = text.strip()
    if not text or any(not part.strip() for part in text.split("||")):
        raise ValueError(f"empty range or empty alternative in {text!r}")
    return NpmSpec(text)


@lru_cache(maxsize=8192)
def _in_range(range_text: str, version_text: str) -> bool:
    # NpmSpec.match costs microseconds; devices of one app send few distinct versions.
    version = _parse_version_cached(version_text)
    return version is not None and bool(parse_range(range_text).match(version))


class CompiledCondition:
    """A condition ready for the hot path: values pre-stripped, range pre-validated."""

    __slots__ = ("_range", "_values", "condition", "dimension")

    def __init__(self, condition: Condition) -> None:
        if condition.op not in OPERATORS:
            raise ValueError(f"unknown operator {condition.op!r}")
        self.condition = condition
        self.dimension = condition.dimension
        self._values: frozenset[str] = frozenset()
        self._range: str | None = None
        if condition.op == "semver":
            if len(condition.values) != 1:
                raise ValueError("a semver condition takes exactly one range")
            parse_range(condition.values[0])
            self._range = condition.values[0].strip()
        else:
            self._values = frozenset(value.strip() for value in condition.values)

    def matches(self, context: Mapping[str, str]) -> bool:
        """True when the context's value for this dimension satisfies the condition."""
        value = context.get(self.dimension)
        if value is None:
            return False
        if self._range is None:
            return value.strip() in self._values
        text = value.strip()
        if not text or len(text) > MAX_VERSION_LENGTH:
            return False
        return _in_range(self._range, text)


def validate_conditions(
    conditions: Iterable[Condition], dimensions: Mapping[str, DimensionType]
) -> None:
    """Reject a target that cannot be stored.

    Raises ``BadRequest(code="invalid_target")`` on the first problem, with details
    ``{"index", "dimension", "problem"}`` where ``problem`` is one of ``unknown_dimension``,
    ``duplicate_dimension``, ``unknown_operator``, ``semver_on_string_dimension``,
    ``wrong_value_count``, ``empty_value``, ``malformed_range``.
    """
    seen: set[str] = set()
    for index, condition in enumerate(conditions):
        problem = _problem(condition, dimensions, seen)
        if problem is not None:
            code, message = problem
            raise BadRequest(
                f"condition {index} on {condition.dimension!r}: {message}",
                code="invalid_target",
                details={"index": index, "dimension": condition.dimension, "problem": code},
            )
        seen.add(condition.dimension)


def _problem(
    condition: Condition, dimensions: Mapping[str, DimensionType], seen: set[str]
) -> tuple[str, str] | None:
    dimension_type = dimensions.get(condition.dimension)
    if dimension_type is None:
        return "unknown_dimension", "no such dimension"
    if condition.dimension in seen:
        return "duplicate_dimension", "a target has at most one condition per dimension"
    if condition.op not in OPERATORS:
        return "unknown_operator", f"operator must be one of {sorted(OPERATORS)}"
    if condition.op == "semver" and dimension_type != "semver":
        return "semver_on_string_dimension", "a range needs a semver dimension"
    return _values_problem(condition)


def _values_problem(condition: Condition) -> tuple[str, str] | None:
    values = condition.values
    if not isinstance(values, tuple) or not values:
        return "wrong_value_count", "at least one value is required"
    if condition.op != "in" and len(values) != 1:
        return "wrong_value_count", f"{condition.op!r} takes exactly one value"
    if any(not isinstance(value, str) or not value.strip() for value in values):
        return "empty_value", "values must be non-empty strings"
    if condition.op == "semver":
        try:
            parse_range(values[0])
        except ValueError:
            return "malformed_range", f"{values[0]!r} is not an npm-style semver range"
    return None
