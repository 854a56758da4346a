"""What a release changes for devices, against the release it replaces for its audience.

The release it replaces is its target's baseline: the concluded release of the same exact
target and channel, else the channel's concluded release for everyone (what those devices are
served without it). For a release that has concluded, it is the baseline just before it
concluded. New releases also start from that baseline's config (`baseline_config`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Package, Release
from tradewind.packages import repository as packages_repo
from tradewind.packages.diff import (
    FileChange,
    ValueChange,
    download_delta,
    file_changes,
    value_changes,
)
from tradewind.releases import repository as repo
from tradewind.releases.content import canonical
from tradewind.releases.schemas import (
    ConfigIn,
    FileChangeOut,
    ReleaseChangesOut,
    ReleaseCreate,
    ValueChangeOut,
)


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a comparison: what devices get from a release (or a draft of one)."""

    release_id: int | None
    package_version: int | None
    files: Sequence[Mapping[str, Any]]  # path, sha256, size, kind
    config: Mapping[str, Any]  # boot_timeout, release_config_timeout
    properties: Mapping[str, Any]  # config.properties
    package_properties: Mapping[str, Any]


NOTHING = Side(None, None, (), {}, {}, {})


@dataclass(frozen=True, slots=True)
class Changes:
    before: Side
    after: Side
    files: list[FileChange]
    config: list[ValueChange]
    properties: list[ValueChange]
    package_properties: list[ValueChange]

    @property
    def download_bytes(self) -> int:
        return download_delta(self.files)

    @property
    def unchanged(self) -> bool:
        return not (self.files or self.config or self.properties or self.package_properties)


def compare(before: Side, after: Side) -> Changes:
    return Changes(
        before=before,
        after=after,
        files=file_changes(before.files, after.files),
        config=value_changes(before.config, after.config),
        properties=value_changes(before.properties, after.properties),
        package_properties=value_changes(before.package_properties, after.package_properties),
    )


async def current_baseline(
    session: AsyncSession, app_id: int, channel: str, target_key: str, exclude_id: int | None = None
) -> Release | None:
    """The concluded release of this exact target on the channel, else of everyone."""
    for key in dict.fromkeys((target_key, canonical(()).key)):
        found = await repo.newest_concluded(session, app_id, channel, key)
        if found is not None and found.id != exclude_id:
            return found
    return None


async def config_for_create(
    session: AsyncSession, app_id: int, body: ReleaseCreate, target_key: str
) -> ConfigIn:
    """The config as given; each field left out (or the whole `config`) carries the value of
    the baseline this release replaces, so a new release never silently drops remote config."""
    given = body.config.model_fields_set if "config" in body.model_fields_set else set()
    missing = {"boot_timeout", "release_config_timeout", "properties"} - given
    if not missing:
        return body.config
    baseline = await current_baseline(session, app_id, body.channel, target_key)
    if baseline is None:
        return body.config
    inherited = {
        "boot_timeout": baseline.boot_timeout,
        "release_config_timeout": baseline.release_config_timeout,
        "properties": dict(baseline.config_properties),
    }
    return body.config.model_copy(update={name: inherited[name] for name in missing})


async def replaced_by(session: AsyncSession, release: Release) -> Release | None:
    """The release `release` replaces (or would replace) for its audience."""
    if release.concluded_at is None:
        return await current_baseline(
            session, release.app_id, release.channel, release.target_key, release.id
        )
    for key in dict.fromkeys((release.target_key, canonical(()).key)):
        found = await repo.concluded_before(
            session, release.app_id, release.channel, key, release.concluded_at
        )
        if found is not None and found.id != release.id:
            return found
    return None


async def package_files(session: AsyncSession, package: Package) -> list[dict[str, Any]]:
    members = await packages_repo.members_of(session, [package.id])
    return [
        {
            "path": m.stored.file.path,
            "sha256": m.stored.file.sha256,
            "size": m.stored.file.size,
            "kind": m.kind,
        }
        for m in members
    ]


async def side_of(session: AsyncSession, release: Release) -> Side:
    package = (await packages_repo.by_ids(session, [release.package_id]))[release.package_id]
    return await draft_side(
        session,
        package,
        config_of(release),
        release.config_properties,
        release.package_properties,
        release.id,
    )


async def draft_side(
    session: AsyncSession,
    package: Package,
    config: Mapping[str, Any],
    properties: Mapping[str, Any],
    package_properties: Mapping[str, Any] | None,
    release_id: int | None = None,
) -> Side:
    """A release as it would be created (`package_properties` None: the package's own)."""
    return Side(
        release_id=release_id,
        package_version=package.version,
        files=await package_files(session, package),
        config=config,
        properties=properties,
        package_properties=package.properties if package_properties is None else package_properties,
    )


def config_of(release: Release) -> dict[str, Any]:
    return {
        "boot_timeout": release.boot_timeout,
        "release_config_timeout": release.release_config_timeout,
    }


async def release_changes(session: AsyncSession, release: Release) -> Changes:
    previous = await replaced_by(session, release)
    before = NOTHING if previous is None else await side_of(session, previous)
    return compare(before, await side_of(session, release))


def _values(items: list[ValueChange]) -> list[ValueChangeOut]:
    return [ValueChangeOut(**item.as_dict()) for item in items]


def changes_out(found: Changes) -> ReleaseChangesOut:
    return ReleaseChangesOut(
        release_id=found.after.release_id,
        against_release_id=found.before.release_id,
        package_version=found.after.package_version,
        against_package_version=found.before.package_version,
        files=[FileChangeOut(**c.as_dict()) for c in found.files],
        download_bytes=found.download_bytes,
        config=_values(found.config),
        properties=_values(found.properties),
        package_properties=_values(found.package_properties),
    )
