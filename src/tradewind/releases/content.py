"""What a release ships and to whom: the rules for its package, resources, target and range."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.dimensions import repository as dimensions_repo
from tradewind.errors import BadRequest, NotFound
from tradewind.models import File, Package
from tradewind.packages import repository as packages_repo
from tradewind.releases import repository as repo
from tradewind.releases.schemas import ConditionIn, ResourceIn, ResourceRef
from tradewind.remoteconfig.loading import cohort_names
from tradewind.targeting.bucket import percentage_to_bp
from tradewind.targeting.conditions import (
    Condition,
    DimensionType,
    Operator,
    parse_range,
    validate_conditions,
)

TargetJson = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Target:
    """A validated target in canonical form and the key that identifies it exactly."""

    conditions: TargetJson
    key: str


def conditions_of(target: TargetJson) -> tuple[Condition, ...]:
    """The stored JSON form of a target as conditions."""
    return tuple(
        Condition(item["dimension"], cast(Operator, item["op"]), tuple(item["values"]))
        for item in target
    )


def canonical(conditions: Iterable[Condition]) -> Target:
    """Sorted by dimension; `in` values de-duplicated and sorted; `in` of one value is `eq`.

    Two targets that select the same requests by the same conditions get the same key, which
    the "one unfinished release per exact target and channel" index compares.
    """
    items: TargetJson = []
    for condition in sorted(conditions, key=lambda c: c.dimension):
        op, values = condition.op, list(condition.values)
        if op == "in":
            values = sorted(set(values))
            if len(values) == 1:
                op = "eq"
        items.append({"dimension": condition.dimension, "op": op, "values": values})
    text = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Target(conditions=items, key=hashlib.sha256(text.encode()).hexdigest())


async def dimension_types(session: AsyncSession, app_id: int) -> dict[str, DimensionType]:
    dimensions = await dimensions_repo.list_for_app(session, app_id)
    return {d.name: cast(DimensionType, d.type) for d in dimensions}


async def validated_target(
    session: AsyncSession, app_id: int, conditions: Sequence[Condition]
) -> Target:
    """Raises BadRequest(invalid_target) unless every condition fits the app's dimensions."""
    validate_conditions(conditions, await dimension_types(session, app_id))
    _check_cohort_values(conditions, await cohort_names(session, app_id))
    return canonical(conditions)


def _check_cohort_values(
    conditions: Sequence[Condition], cohorts: Mapping[str, frozenset[str]]
) -> None:
    """A condition on a cohort dimension must name its cohorts (a typo would match nobody)."""
    for index, condition in enumerate(conditions):
        names = cohorts.get(condition.dimension)
        unknown = [] if names is None else [v for v in condition.values if v not in names]
        if unknown:
            raise BadRequest(
                f"condition {index} on {condition.dimension!r}: no cohort named {unknown[0]!r} "
                f"(cohorts: {', '.join(sorted(names or ()))})",
                code="invalid_target",
                details={
                    "index": index,
                    "dimension": condition.dimension,
                    "problem": "unknown_cohort",
                },
            )


def from_wire(conditions: Sequence[ConditionIn]) -> tuple[Condition, ...]:
    return tuple(
        Condition(c.dimension, c.op, tuple(value.strip() for value in c.values)) for c in conditions
    )


async def package_for(session: AsyncSession, app_id: int, version: int) -> Package:
    package = await packages_repo.by_version(session, app_id, version)
    if package is None:
        raise NotFound(
            f"package version {version} does not exist in this application",
            code="package_not_found",
            details={"package_version": version},
        )
    return package


async def baseline_package(
    session: AsyncSession, app_id: int, channel: str, target_key: str
) -> Package:
    """The package a config-only release keeps: that of the concluded release of its exact
    target, else of the channel's concluded release for everyone."""
    everyone = canonical(()).key
    for key in dict.fromkeys((target_key, everyone)):
        release = await repo.newest_concluded(session, app_id, channel, key)
        if release is not None:
            return (await packages_repo.by_ids(session, [release.package_id]))[release.package_id]
    raise BadRequest(
        "a config-only release (no package_version) takes the package of the concluded "
        f"release of its target or of everyone on channel {channel!r}, and there is none; "
        "give package_version",
        code="no_baseline_package",
        details={"channel": channel},
    )


def rollout_bp(percentage: Decimal) -> int:
    """Basis points for a percentage; BadRequest(invalid_percentage) outside 0..100.00."""
    return percentage_to_bp(percentage)


def binary_range(text: str | None) -> str | None:
    """An npm-style range of native app versions (for the CodePush / Expo protocols)."""
    if text is None:
        return None
    try:
        parse_range(text)
    except ValueError as exc:
        raise BadRequest(
            f"{text!r} is not an npm-style semver range",
            code="invalid_binary_version_range",
            details={"value": text},
        ) from exc
    return text


async def resource_files(
    session: AsyncSession, app_id: int, package: Package, refs: Sequence[ResourceIn]
) -> list[int]:
    """The file ids for a release's resources, checked against the app and the package."""
    wanted = [_as_ref(ref) for ref in refs]
    _reject_duplicates(wanted)
    in_package = await package_paths(session, package)
    for ref in wanted:
        if ref.path in in_package:
            raise BadRequest(
                f"{ref.path!r} is a file of package {package.version}; a resource must be "
                "outside the package",
                code="resource_in_package",
                details={"path": ref.path, "package_version": package.version},
            )
    candidates = await repo.files_at_paths(session, app_id, {ref.path for ref in wanted})
    return [_pick(ref, candidates).id for ref in wanted]


async def package_paths(session: AsyncSession, package: Package) -> set[str]:
    members = await packages_repo.members_of(session, [package.id])
    paths = {member.stored.file.path for member in members}
    index = await repo.stored_files_by_id(session, [package.index_file_id])
    paths.update(stored.file.path for stored in index.values())
    return paths


def _as_ref(ref: ResourceIn) -> ResourceRef:
    return ref if isinstance(ref, ResourceRef) else ResourceRef(path=ref)


def _reject_duplicates(refs: Sequence[ResourceRef]) -> None:
    seen: set[str] = set()
    for ref in refs:
        if ref.path in seen:
            raise BadRequest(
                f"resource {ref.path!r} is listed twice",
                code="duplicate_resource",
                details={"path": ref.path},
            )
        seen.add(ref.path)


def _pick(ref: ResourceRef, newest_first: Sequence[File]) -> File:
    for file in newest_first:
        if file.path == ref.path and ref.sha256 in (None, file.sha256):
            return file
    what = ref.path if ref.sha256 is None else f"{ref.path} ({ref.sha256})"
    raise NotFound(
        f"file {what} does not exist in this application",
        code="file_not_found",
        details={"path": ref.path, "sha256": ref.sha256},
    )
