"""Reading releases: lists, details with history, and explanations of resolution."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.accounts import repository as accounts_repo
from tradewind.models import Application, AuditEvent, Release
from tradewind.packages import repository as packages_repo
from tradewind.releases import repository as repo
from tradewind.releases.live import LiveState, config_version, load_live_state
from tradewind.releases.schemas import (
    CandidateOut,
    ConditionOut,
    ConfigOut,
    ExplainIn,
    ExplainOut,
    FileRefOut,
    HistoryEntryOut,
    PackageRefOut,
    PropertySourceOut,
    ReleaseDetail,
    ReleaseOut,
    VariantOut,
)
from tradewind.releases.service import get_release
from tradewind.remoteconfig import saved_views
from tradewind.remoteconfig.cohorts import apply_cohorts
from tradewind.remoteconfig.variants import VariantPicker
from tradewind.targeting.conditions import Condition
from tradewind.targeting.explain import CandidateExplanation


async def list_releases(
    session: AsyncSession,
    app_id: int,
    statuses: Collection[str],
    channel: str | None,
    limit: int,
    before: int | None,
    view: str | None = None,
) -> list[ReleaseOut]:
    if view is None:
        releases = await repo.list_releases(session, app_id, statuses, channel, limit, before)
    else:
        filters = (await saved_views.get_view(session, app_id, view)).filters
        releases = await _in_view(session, app_id, statuses, channel, limit, before, filters)
    return await describe(session, releases)


async def _in_view(
    session: AsyncSession,
    app_id: int,
    statuses: Collection[str],
    channel: str | None,
    limit: int,
    before: int | None,
    filters: dict[str, str],
) -> list[Release]:
    """Page through the releases (newest first) until `limit` of them are in the view."""
    found: list[Release] = []
    while len(found) < limit:
        page = await repo.list_releases(session, app_id, statuses, channel, 500, before)
        found.extend(saved_views.filtered(page, filters))
        if len(page) < 500:
            break
        before = page[-1].id
    return found[:limit]


async def show_release(session: AsyncSession, app_id: int, release_id: int) -> ReleaseDetail:
    release = await get_release(session, app_id, release_id)
    (out,) = await describe(session, [release])
    events = await repo.history(session, app_id, release_id)
    return ReleaseDetail(
        **out.model_dump(), history=[_history_entry(event, actor) for event, actor in events]
    )


async def describe(session: AsyncSession, releases: Sequence[Release]) -> list[ReleaseOut]:
    """Releases as the API shows them, with their packages, resources and authors."""
    packages = await packages_repo.by_ids(session, {r.package_id for r in releases})
    indexes = await repo.stored_files_by_id(session, {p.index_file_id for p in packages.values()})
    resources = await repo.resources_of(session, [r.id for r in releases])
    authors = await accounts_repo.emails_by_id(
        session, {r.created_by for r in releases if r.created_by}
    )
    variants = await _variants(session, releases)
    result = []
    for release in releases:
        package = packages[release.package_id]
        result.append(
            ReleaseOut(
                id=release.id,
                status=release.status,
                percentage=release.rollout_bp / 100,
                package=PackageRefOut(
                    version=package.version, index=indexes[package.index_file_id].file.path
                ),
                config=ConfigOut(
                    boot_timeout=release.boot_timeout,
                    release_config_timeout=release.release_config_timeout,
                    version=config_version(release.id),
                    properties=release.config_properties,
                ),
                package_properties=release.package_properties,
                resources=[
                    FileRefOut(path=s.file.path, sha256=s.file.sha256, size=s.file.size)
                    for s in resources[release.id]
                ],
                target=[ConditionOut.model_validate(item) for item in release.target],
                channel=release.channel,
                binary_version_range=release.binary_version_range,
                mandatory=release.mandatory,
                notes=release.notes,
                rolled_back_from_id=release.rolled_back_from_id,
                variants=variants.get(release.id),
                parent_id=release.parent_id,
                created_by=authors.get(release.created_by or 0),
                created_at=release.created_at,
                updated_at=release.updated_at,
                started_at=release.started_at,
                concluded_at=release.concluded_at,
            )
        )
    return result


async def _variants(
    session: AsyncSession, releases: Sequence[Release]
) -> dict[int, list[VariantOut]]:
    """The running variants of the experiments among these releases."""
    rows = await repo.variants_of(session, [r.id for r in releases if r.parent_id is None])
    packages = await packages_repo.by_ids(session, {row.package_id for row in rows})
    found: dict[int, list[VariantOut]] = {}
    for row in rows:
        found.setdefault(row.parent_id or 0, []).append(
            VariantOut(
                name=row.variant_name or "",
                release_id=row.id,
                percentage=sum(high - low for low, high in row.variant_ranges or []) / 100,
                package_version=packages[row.package_id].version,
                properties=row.config_properties,
            )
        )
    return found


def _history_entry(event: AuditEvent, actor: str | None) -> HistoryEntryOut:
    details = dict(event.details)
    percentage = details.pop("percentage", None)
    return HistoryEntryOut(
        action=event.action,
        actor=actor or event.actor_label,
        from_state=event.from_state,
        to_state=event.to_state,
        percentage=percentage,
        details=details,
        at=event.created_at,
    )


async def explain(session: AsyncSession, app: Application, body: ExplainIn) -> ExplainOut:
    """Which live release of a channel a request gets, and why (docs/releases.md)."""
    state = await load_live_state(session, app.id)
    # As on the device path: an empty identifier is no identifier.
    identifier = body.identifier or None
    if identifier is None and state.identifier_dimension is not None:
        identifier = body.context.get(state.identifier_dimension) or None
    channel = body.channel
    if state.channel_dimension is not None:  # as on the device path: the context names it
        channel = body.context.get(state.channel_dimension) or channel
    context = apply_cohorts(state.cohorts, body.context)
    explanation = state.resolver(channel).explain(context, identifier)
    return ExplainOut(
        channel=channel,
        identifier=identifier,
        winner=explanation.winner_release_id,
        reason=explanation.reason,
        candidates=[_candidate(c) for c in explanation.candidates],
        cohorts={c.name: context[c.name] for c in state.cohorts if c.name in context},
        **_served(state, explanation.winner_release_id, identifier),
        undefined_keys=sorted(key for key in body.context if key not in state.positions),
    )


def _served(state: LiveState, winner: int | None, identifier: str | None) -> dict[str, Any]:
    """The variant a device gets from an experiment, and where each property comes from."""
    if winner is None:
        return {"properties": []}
    live = state.releases[winner]
    found: dict[str, Any] = {}
    served = live
    if live.variants and identifier is not None:
        ranges = {v.release.id: v.release.variant_ranges or [] for v in live.variants}
        variant_id, found["variant_bucket"] = VariantPicker(winner, ranges).pick(identifier)
        served = next(v for v in live.variants if v.release.id == variant_id)
        found["variant"], found["variant_release_id"] = served.release.variant_name, variant_id
    own = live.release.config_properties
    values = served.release.config_properties
    setters = {"default": None, "release": winner, "variant": served.release.id}
    found["properties"] = [
        PropertySourceOut(name=name, value=value, source=source, release_id=setters[source])
        for name, value in sorted(state.properties.resolve(values).items())
        for source in [_source(name, own, values)]
    ]
    return found


def _source(
    name: str, own: dict[str, Any], values: dict[str, Any]
) -> Literal["default", "release", "variant"]:
    if name not in values:
        return "default"
    return "release" if name in own and own[name] == values[name] else "variant"


def _candidate(verdict: CandidateExplanation) -> CandidateOut:
    return CandidateOut(
        release_id=verdict.release_id,
        status=verdict.status,
        matched=verdict.matched,
        failed_condition=_condition(verdict.failed_condition),
        weight=verdict.weight,
        bucket=verdict.bucket,
        in_rollout=verdict.in_rollout,
        applicable=verdict.applicable,
        reason=verdict.reason,
    )


def _condition(condition: Condition | None) -> ConditionOut | None:
    if condition is None:
        return None
    return ConditionOut(
        dimension=condition.dimension, op=condition.op, values=list(condition.values)
    )
