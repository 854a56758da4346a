"""Reading releases: lists, details with history, and explanations of resolution."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Application, AuditEvent, Release
from tradewind.releases import repository as repo
from tradewind.releases.live import config_version, load_live_state
from tradewind.releases.schemas import (
    CandidateOut,
    ConditionOut,
    ConfigOut,
    ExplainIn,
    ExplainOut,
    FileRefOut,
    HistoryEntryOut,
    PackageRefOut,
    ReleaseDetail,
    ReleaseOut,
)
from tradewind.releases.service import get_release
from tradewind.targeting.conditions import Condition
from tradewind.targeting.explain import CandidateExplanation


async def list_releases(
    session: AsyncSession,
    app_id: int,
    statuses: Collection[str],
    channel: str | None,
    limit: int,
    before: int | None,
) -> list[ReleaseOut]:
    releases = await repo.list_releases(session, app_id, statuses, channel, limit, before)
    return await describe(session, releases)


async def show_release(session: AsyncSession, app_id: int, release_id: int) -> ReleaseDetail:
    release = await get_release(session, app_id, release_id)
    (out,) = await describe(session, [release])
    events = await repo.history(session, app_id, release_id)
    return ReleaseDetail(
        **out.model_dump(), history=[_history_entry(event, actor) for event, actor in events]
    )


async def describe(session: AsyncSession, releases: Sequence[Release]) -> list[ReleaseOut]:
    """Releases as the API shows them, with their packages, resources and authors."""
    packages = await repo.packages_by_id(session, {r.package_id for r in releases})
    indexes = await repo.stored_files_by_id(session, {p.index_file_id for p in packages.values()})
    resources = await repo.resources_of(session, [r.id for r in releases])
    authors = await repo.user_emails(session, {r.created_by for r in releases if r.created_by})
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
                created_by=authors.get(release.created_by or 0),
                created_at=release.created_at,
                updated_at=release.updated_at,
                started_at=release.started_at,
                concluded_at=release.concluded_at,
            )
        )
    return result


def _history_entry(event: AuditEvent, actor: str | None) -> HistoryEntryOut:
    details = dict(event.details)
    percentage = details.pop("percentage", None)
    return HistoryEntryOut(
        action=event.action,
        actor=actor,
        from_state=event.from_state,
        to_state=event.to_state,
        percentage=percentage,
        details=details,
        at=event.created_at,
    )


async def explain(session: AsyncSession, app: Application, body: ExplainIn) -> ExplainOut:
    """Which live release of a channel a request gets, and why (DESIGN.md §6)."""
    state = await load_live_state(session, app.id)
    # As on the device path: an empty identifier is no identifier.
    identifier = body.identifier or None
    if identifier is None and state.identifier_dimension is not None:
        identifier = body.context.get(state.identifier_dimension) or None
    explanation = state.resolver(body.channel).explain(body.context, identifier)
    return ExplainOut(
        channel=body.channel,
        identifier=identifier,
        winner=explanation.winner_release_id,
        reason=explanation.reason,
        candidates=[_candidate(c) for c in explanation.candidates],
    )


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
