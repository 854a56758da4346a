"""Creating an experiment's variants: one release row per variant under the experiment.

A variant row (status "variant") holds its own content (package, config.properties overlaid on
the experiment's, the experiment's resources) and its share as bucket ranges; the device path
serves it to the devices of the experiment that fall in those buckets. Its id is its
config.version, and the signals of its devices are counted under it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.db import save_rows
from tradewind.errors import BadRequest
from tradewind.models import Package, Release
from tradewind.packages import repository as packages_repo
from tradewind.releases import content
from tradewind.releases import repository as repo
from tradewind.releases.schemas import VariantIn
from tradewind.remoteconfig.properties import PropertySchema
from tradewind.remoteconfig.variants import allocate, check_shares


def checked_shares(variants: Sequence[VariantIn]) -> dict[str, int]:
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise BadRequest(
            "variant names must be unique",
            code="invalid_variants",
            details={"problem": "duplicate_name"},
        )
    shares = {v.name: content.rollout_bp(v.percentage) for v in variants}
    check_shares(shares)
    return shares


async def create_variants(
    session: AsyncSession,
    experiment: Release,
    variants: Sequence[VariantIn],
    schema: PropertySchema,
) -> list[Release]:
    """Validate and store the variants of a new experiment (400 invalid_variants /
    invalid_property_value naming the variant)."""
    ranges = allocate(checked_shares(variants))
    resource_ids = await repo.resource_file_ids(session, experiment.id)
    rows = []
    for variant in variants:
        properties = {**experiment.config_properties, **variant.properties}
        _check_properties(schema, variant.name, properties)
        package = await _package_of(session, experiment, variant.package_version)
        row = Release(
            app_id=experiment.app_id,
            package_id=package.id,
            boot_timeout=experiment.boot_timeout,
            release_config_timeout=experiment.release_config_timeout,
            config_properties=properties,
            package_properties=(
                experiment.package_properties
                if package.id == experiment.package_id
                else dict(package.properties)
            ),
            target=experiment.target,
            target_key=experiment.target_key,
            channel=experiment.channel,
            status="variant",
            rollout_bp=0,
            notes="",
            created_by=experiment.created_by,
            parent_id=experiment.id,
            variant_name=variant.name,
            variant_ranges=ranges[variant.name],
        )
        rows.append(row)
    await save_rows(session, *rows)
    for row in rows:
        await repo.set_resources(session, row.id, resource_ids)
    return rows


def _check_properties(schema: PropertySchema, name: str, properties: dict[str, object]) -> None:
    try:
        schema.check_values(properties)
    except BadRequest as exc:
        exc.details["variant"] = name
        exc.message = f"variant {name!r}: {exc.message}"
        exc.args = (exc.message,)
        raise


async def _package_of(session: AsyncSession, experiment: Release, version: int | None) -> Package:
    if version is None:
        found = await packages_repo.by_ids(session, [experiment.package_id])
        return found[experiment.package_id]
    return await content.package_for(session, experiment.app_id, version)
