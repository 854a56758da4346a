"""Running an experiment: changing variant shares, concluding with one variant, per-variant
figures. Creating the variants is `releases.variants`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.analytics.schemas import ReleaseHealthOut
from tradewind.analytics.service import release_health
from tradewind.audit.service import record
from tradewind.db import save
from tradewind.errors import BadRequest, Conflict, NotFound
from tradewind.models import Release
from tradewind.releases import content, lifecycle, service
from tradewind.releases import repository as repo
from tradewind.remoteconfig.variants import allocate, check_shares


async def variants_of(session: AsyncSession, app_id: int, release_id: int) -> list[Release]:
    """The running variants of an experiment; 409 not_an_experiment when it has none."""
    experiment = await service.get_release(session, app_id, release_id)
    found = await repo.variants_of(session, [experiment.id])
    if not found:
        raise Conflict(
            f"release {release_id} has no running variants",
            code="not_an_experiment",
            details={"release_id": release_id},
        )
    return found


async def set_shares(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    release_id: int,
    percentages: Mapping[str, Decimal],
) -> Release:
    """New traffic shares; devices move only out of variants whose share went down."""
    app = await repo.lock_app(session, access.app.id)
    experiment = await service.get_release(session, app.id, release_id)
    rows = {row.variant_name or "": row for row in await variants_of(session, app.id, release_id)}
    if set(percentages) != set(rows):
        raise BadRequest(
            f"give a share for exactly the variants {', '.join(sorted(rows))}",
            code="invalid_variants",
            details={"problem": "variant_names", "variants": sorted(rows)},
        )
    shares = {name: content.rollout_bp(value) for name, value in percentages.items()}
    check_shares(shares)
    ranges = allocate(shares, {name: row.variant_ranges or [] for name, row in rows.items()})
    for name, row in rows.items():
        row.variant_ranges = ranges[name]
    await save(session)
    await _audit(session, principal, access, experiment, "variant_shares", {"shares": shares})
    if lifecycle.is_live(experiment.status):
        await repo.bump_revision(session, app.id)
    return experiment


async def conclude_with(
    session: AsyncSession, principal: Principal, access: AppAccess, release_id: int, name: str
) -> Release:
    """The chosen variant's content becomes the experiment's, which concludes as the new
    baseline of its target; the variants stop being served (status retired)."""
    app = await repo.lock_app(session, access.app.id)
    experiment = await service.get_release(session, app.id, release_id)
    lifecycle.next_status(experiment.status, "conclude")
    rows = await variants_of(session, app.id, release_id)
    chosen = next((row for row in rows if row.variant_name == name), None)
    if chosen is None:
        raise NotFound(f"variant '{name}' not found", code="variant_not_found")
    experiment.package_id = chosen.package_id
    experiment.config_properties = chosen.config_properties
    experiment.package_properties = chosen.package_properties
    for row in rows:
        row.status = "retired"
    await save(session)
    details = {"variant": name, "variant_release_id": chosen.id}
    return await service.transition(
        session, principal, access, release_id, "conclude", details=details
    )


async def report(
    session: AsyncSession, app_id: int, release_id: int, now: datetime
) -> list[tuple[Release, ReleaseHealthOut]]:
    """Adoption and failures of every variant (running or, after conclusion, retired)."""
    experiment = await service.get_release(session, app_id, release_id)
    rows = await repo.variants_of(session, [experiment.id], ("variant", "retired"))
    if not rows:
        raise Conflict(
            f"release {release_id} is not an experiment",
            code="not_an_experiment",
            details={"release_id": release_id},
        )
    return [(row, await release_health(session, app_id, row.id, now)) for row in rows]


async def _audit(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    release: Release,
    action: str,
    details: dict[str, object],
) -> None:
    await record(
        session,
        principal,
        f"release.{action}",
        "release",
        release.id,
        org_id=access.org.id,
        app_id=access.app.id,
        from_state=release.status,
        to_state=release.status,
        details={**details, "percentage": release.rollout_bp / 100},
    )
