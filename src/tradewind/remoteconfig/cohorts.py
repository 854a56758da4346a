"""Cohort dimensions (pure): a dimension computed from a base dimension by ordered cohorts.

A cohort dimension lists cohorts evaluated in order; the first that matches the value of the
base dimension names the device's cohort:

- ``{"name": "v3_and_above", "at_least": "3.0.0"}``: a semver checkpoint (semver base only):
  the base value is a version ``>=`` the checkpoint;
- ``{"name": "beta", "members": ["d-1", "d-2"]}``: an explicit group of base values;
- ``{"name": "otherwise", "otherwise": true}``: everything else; always last (added when
  missing).

Devices send only the base dimension; the snapshot computes the cohort into the request
context before resolution, so a target may test the cohort dimension like any other.

Definitions that overlap are refused: a checkpoint at or below an earlier one (it could never
match), a value in two groups, a group value that an earlier checkpoint already catches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from semantic_version import Version

from tradewind.errors import BadRequest
from tradewind.targeting.conditions import DimensionType, parse_version

MAX_COHORTS = 100
MAX_MEMBERS = 10_000
OTHERWISE = "otherwise"


@dataclass(frozen=True, slots=True)
class Cohort:
    name: str
    at_least: Version | None = None
    members: frozenset[str] = frozenset()
    otherwise: bool = False

    def matches(self, value: str | None, version: Version | None) -> bool:
        if self.otherwise:
            return True
        if value is None:
            return False
        if self.at_least is not None:
            return version is not None and version >= self.at_least
        return value in self.members

    def as_json(self) -> dict[str, Any]:
        if self.otherwise:
            return {"name": self.name, "otherwise": True}
        if self.at_least is not None:
            return {"name": self.name, "at_least": str(self.at_least)}
        return {"name": self.name, "members": sorted(self.members)}


@dataclass(frozen=True, slots=True)
class CohortDimension:
    name: str
    base: str
    cohorts: tuple[Cohort, ...]

    def evaluate(self, value: str | None) -> str | None:
        """The first cohort that matches the base value (None only without `otherwise`)."""
        text = None if value is None else value.strip()
        version = None if text is None else parse_version(text)
        for cohort in self.cohorts:
            if cohort.matches(text, version):
                return cohort.name
        return None

    @property
    def names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.cohorts)


def apply_cohorts(
    dimensions: Sequence[CohortDimension], context: Mapping[str, str]
) -> dict[str, str]:
    """The context with every cohort dimension computed from its base (device values of a
    cohort dimension itself are replaced: the server decides cohorts)."""
    result = dict(context)
    for dimension in dimensions:
        cohort = dimension.evaluate(context.get(dimension.base))
        if cohort is None:
            result.pop(dimension.name, None)
        else:
            result[dimension.name] = cohort
    return result


def parse_cohorts(
    name: str, base: str, raw: Sequence[Mapping[str, Any]], base_type: DimensionType
) -> CohortDimension:
    """Validate stored or submitted cohorts; raises BadRequest(invalid_cohorts)."""
    if not raw:
        raise _invalid(0, "", "empty", "a cohort dimension needs at least one cohort")
    if len(raw) > MAX_COHORTS:
        raise _invalid(MAX_COHORTS, "", "too_many", f"at most {MAX_COHORTS} cohorts")
    cohorts: list[Cohort] = []
    for index, item in enumerate(raw):
        cohorts.append(_cohort(index, item, base_type))
    if not cohorts[-1].otherwise:
        cohorts.append(Cohort(OTHERWISE, otherwise=True))
    _check_names(cohorts)
    _check_overlaps(cohorts)
    return CohortDimension(name, base, tuple(cohorts))


def _cohort(index: int, item: Mapping[str, Any], base_type: DimensionType) -> Cohort:
    name = item.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 256:
        raise _invalid(index, "", "invalid_name", "a cohort needs a non-empty name")
    kinds = [key for key in ("at_least", "members", "otherwise") if item.get(key) is not None]
    if len(kinds) != 1:
        raise _invalid(
            index, name, "invalid_kind", "give exactly one of at_least, members, otherwise"
        )
    if kinds[0] == "otherwise":
        if item["otherwise"] is not True:
            raise _invalid(index, name, "invalid_kind", "otherwise must be true")
        return Cohort(name, otherwise=True)
    if kinds[0] == "at_least":
        return Cohort(name, at_least=_checkpoint(index, name, item["at_least"], base_type))
    return Cohort(name, members=_members(index, name, item["members"]))


def _checkpoint(index: int, name: str, value: object, base_type: DimensionType) -> Version:
    if base_type != "semver":
        raise _invalid(
            index, name, "checkpoint_on_string_dimension", "at_least needs a semver dimension"
        )
    version = parse_version(value) if isinstance(value, str) else None
    if version is None:
        raise _invalid(index, name, "malformed_version", f"{value!r} is not a semantic version")
    return version


def _members(index: int, name: str, value: object) -> frozenset[str]:
    if not isinstance(value, list) or not value or len(value) > MAX_MEMBERS:
        raise _invalid(index, name, "invalid_members", f"members: 1 to {MAX_MEMBERS} values")
    if any(not isinstance(v, str) or not v.strip() or len(v) > 256 for v in value):
        raise _invalid(index, name, "invalid_members", "members must be non-empty strings")
    return frozenset(v.strip() for v in value)


def _check_names(cohorts: Sequence[Cohort]) -> None:
    seen: set[str] = set()
    for index, cohort in enumerate(cohorts):
        if cohort.name in seen:
            raise _invalid(index, cohort.name, "duplicate_name", "cohort names must be unique")
        if cohort.otherwise and index != len(cohorts) - 1:
            raise _invalid(index, cohort.name, "otherwise_not_last", "otherwise must come last")
        seen.add(cohort.name)


def _check_overlaps(cohorts: Sequence[Cohort]) -> None:
    lowest: Version | None = None  # the lowest checkpoint so far: it catches everything above
    owner: dict[str, str] = {}
    for index, cohort in enumerate(cohorts):
        if cohort.at_least is not None:
            if lowest is not None and cohort.at_least >= lowest:
                raise _invalid(
                    index,
                    cohort.name,
                    "overlap",
                    f"checkpoint {cohort.at_least} is already caught by an earlier one "
                    f"(>= {lowest}); list checkpoints from highest to lowest",
                )
            lowest = cohort.at_least
        for member in sorted(cohort.members):
            _check_member(index, cohort.name, member, lowest, owner)
            owner[member] = cohort.name


def _check_member(
    index: int, name: str, member: str, lowest: Version | None, owner: Mapping[str, str]
) -> None:
    if member in owner:
        raise _invalid(index, name, "overlap", f"{member!r} is already in cohort {owner[member]!r}")
    version = parse_version(member)
    if lowest is not None and version is not None and version >= lowest:
        raise _invalid(
            index, name, "overlap", f"{member!r} is already caught by checkpoint >= {lowest}"
        )


def _invalid(index: int, name: str, problem: str, message: str) -> BadRequest:
    return BadRequest(
        f"cohort {index} {name!r}: {message}" if name else f"cohort {index}: {message}",
        code="invalid_cohorts",
        details={"index": index, "cohort": name, "problem": problem},
    )
