"""An application's live releases as plain, immutable data: what the device path serves from.

`load_live_state` reads everything the device snapshot needs in a handful of queries; the
result holds no lazy database state, so it can be kept in memory and shared across requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.dimensions import repository as dimensions_repo
from tradewind.files.repository import StoredFile
from tradewind.models import Package, Release
from tradewind.packages import repository as packages_repo
from tradewind.packages.repository import PackageMember
from tradewind.releases import repository as repo
from tradewind.releases.content import conditions_of
from tradewind.releases.lifecycle import LIVE
from tradewind.remoteconfig.cohorts import CohortDimension
from tradewind.remoteconfig.loading import load_cohorts, load_schema
from tradewind.remoteconfig.properties import EMPTY_SCHEMA, PropertySchema
from tradewind.targeting.resolution import Candidate, Resolver, Status


def config_version(release_id: int) -> str:
    """The `config.version` devices receive: the release id, unique among all releases.

    A rollback is a new release, so it gets a new config version too and devices rewrite their
    config even when the content equals an earlier one.
    """
    return str(release_id)


@dataclass(frozen=True, slots=True)
class LiveFile:
    file_id: int
    path: str
    sha256: str  # lowercase hex
    size: int
    content_type: str
    storage_key: str  # the blob's key in blob storage


@dataclass(frozen=True, slots=True)
class LivePackage:
    id: int
    version: int
    properties: Mapping[str, Any]
    index: LiveFile
    important: tuple[LiveFile, ...]
    lazy: tuple[LiveFile, ...]


@dataclass(frozen=True, slots=True)
class LiveRelease:
    """A live release with everything its device document is built from.

    `release` is the database row (its columns are loaded; it has no lazy relationships).
    Devices get `release.package_properties` as `package.properties` (it defaults to the
    package's own properties when the release is created) and `release.config_properties` as
    `config.properties`, exactly as stored: nothing is merged from other releases.
    """

    release: Release
    candidate: Candidate
    config_version: str
    package: LivePackage
    resources: tuple[LiveFile, ...]
    # An experiment's variants (release rows with `variant_ranges`); empty otherwise.
    variants: tuple[LiveRelease, ...] = ()


@dataclass(frozen=True, slots=True)
class LiveState:
    app_id: int
    revision: int  # read before the releases: a change after it bumps past this value
    identifier_dimension: str | None
    channel_dimension: str | None
    positions: Mapping[str, int]  # dimension name -> position (weight 2**position)
    releases: Mapping[int, LiveRelease]  # by release id
    properties: PropertySchema = EMPTY_SCHEMA  # the app's property schema with defaults
    cohorts: tuple[CohortDimension, ...] = ()  # computed into the context before resolution

    def channels(self) -> frozenset[str]:
        return frozenset(live.release.channel for live in self.releases.values())

    def resolver(self, channel: str = "production") -> Resolver:
        """The resolver for one channel's live releases (build once per snapshot)."""
        candidates = [
            live.candidate for live in self.releases.values() if live.release.channel == channel
        ]
        return Resolver(candidates, self.positions)


async def load_live_state(session: AsyncSession, app_id: int) -> LiveState:
    """Read an application's in-progress, paused and concluded releases and its dimensions."""
    revision = await repo.app_revision(session, app_id)
    app_identifier, app_channel = await repo.device_dimensions(session, app_id)
    dimensions = await dimensions_repo.list_for_app(session, app_id)
    releases = await repo.releases_with_status(session, app_id, LIVE)
    variants = await repo.variants_of(session, [r.id for r in releases])
    everything = [*releases, *variants]
    packages = await packages_repo.by_ids(session, {r.package_id for r in everything})
    members = await packages_repo.members_of(session, packages.keys())
    indexes = await repo.stored_files_by_id(session, {p.index_file_id for p in packages.values()})
    resources = await repo.resources_of(session, [r.id for r in everything])
    live_packages = {
        package.id: _package(package, indexes[package.index_file_id], members)
        for package in packages.values()
    }
    orders = recency_orders(releases)
    properties = await load_schema(session, app_id)
    cohorts = await load_cohorts(session, app_id)
    return LiveState(
        app_id=app_id,
        revision=revision,
        identifier_dimension=app_identifier,
        channel_dimension=app_channel,
        positions={d.name: d.position for d in dimensions},
        releases={
            r.id: LiveRelease(
                release=r,
                candidate=(own := candidate(r, orders[r.id])),
                config_version=config_version(r.id),
                package=live_packages[r.package_id],
                resources=tuple(_file(s) for s in resources[r.id]),
                variants=tuple(
                    LiveRelease(
                        release=v,
                        candidate=own,
                        config_version=config_version(v.id),
                        package=live_packages[v.package_id],
                        resources=tuple(_file(s) for s in resources[v.id]),
                    )
                    for v in variants
                    if v.parent_id == r.id
                ),
            )
            for r in releases
        },
        properties=properties,
        cohorts=cohorts,
    )


def recency_orders(releases: Sequence[Release]) -> dict[int, int]:
    """Recency ranks for the resolver: concluded ones by conclusion time, then every
    in-progress or paused one above them (so it beats its own target's baseline)."""
    concluded = sorted(
        (r for r in releases if r.status == "concluded"),
        key=lambda r: (r.concluded_at is not None, r.concluded_at, r.id),
    )
    ramping = sorted(
        (r for r in releases if r.status != "concluded"),
        key=lambda r: (r.started_at is not None, r.started_at, r.id),
    )
    return {r.id: rank for rank, r in enumerate([*concluded, *ramping], start=1)}


def candidate(release: Release, order: int) -> Candidate:
    return Candidate(
        release_id=release.id,
        key=str(release.id),
        conditions=conditions_of(release.target),
        status=cast(Status, release.status),
        rollout_bp=release.rollout_bp,
        order=order,
    )


def _package(package: Package, index: StoredFile, members: Sequence[PackageMember]) -> LivePackage:
    own = [m for m in members if m.package_id == package.id and m.stored.file.id != index.file.id]
    return LivePackage(
        id=package.id,
        version=package.version,
        properties=package.properties,
        index=_file(index),
        important=_of_kind(own, "important"),
        lazy=_of_kind(own, "lazy"),
    )


def _of_kind(
    members: Sequence[PackageMember], kind: Literal["important", "lazy"]
) -> tuple[LiveFile, ...]:
    return tuple(_file(m.stored) for m in members if m.kind == kind)


def _file(stored: StoredFile) -> LiveFile:
    file = stored.file
    return LiveFile(
        file_id=file.id,
        path=file.path,
        sha256=file.sha256,
        size=file.size,
        content_type=file.content_type,
        storage_key=stored.storage_key,
    )
