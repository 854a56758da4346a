"""Property schema rules: declarative replacement, and no change that a live release breaks.

The schema is replaced whole (properties missing from the new one are removed). A change is
refused with 409 `property_schema_conflict` when a release that is or may become live (created,
in progress, paused, concluded) sets a property in a way the new schema rejects: its value
fails the new schema, or the property is gone. Every change bumps the application's revision,
since defaults are part of every device document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.audit.service import record
from tradewind.db import save_rows
from tradewind.errors import Conflict
from tradewind.models import ConfigProperty
from tradewind.releases import repository as releases_repo
from tradewind.remoteconfig import repository as repo
from tradewind.remoteconfig.loading import load_schema, spec_of
from tradewind.remoteconfig.properties import PropertySchema, PropertySpec

# Releases that are or may become live; superseded and discarded ones are history.
PENDING_OR_LIVE = ("created", "in_progress", "paused", "concluded")


async def list_properties(session: AsyncSession, app_id: int) -> list[ConfigProperty]:
    return await repo.list_properties(session, app_id)


async def check_release_properties(
    session: AsyncSession, app_id: int, properties: Mapping[str, Any]
) -> None:
    """400 invalid_property_value when a release's properties do not fit the schema."""
    (await load_schema(session, app_id)).check_values(properties)


async def replace_schema(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    specs: Mapping[str, PropertySpec],
) -> list[ConfigProperty]:
    app_id = (await releases_repo.lock_app(session, access.app.id)).id
    schema = PropertySchema.build(specs)
    await _ensure_releases_fit(session, app_id, schema)
    rows = {row.name: row for row in await repo.list_properties(session, app_id)}
    removed = sorted(set(rows) - set(specs))
    await repo.delete_properties(session, app_id, removed)
    changed: list[str] = []
    added: list[ConfigProperty] = []
    for name, spec in sorted(specs.items()):
        row = rows.get(name)
        if row is None:
            added.append(_row(app_id, spec))
        elif spec_of(row) != spec:
            changed.append(name)
            row.description = spec.description
            row.default_value = {"value": spec.default}
            row.schema = dict(spec.schema)
    await save_rows(session, *added)
    details = {"added": sorted(set(specs) - set(rows)), "removed": removed, "changed": changed}
    await record(
        session,
        principal,
        "config.schema_update",
        "application",
        app_id,
        org_id=access.org.id,
        app_id=app_id,
        details=details,
    )
    await releases_repo.bump_revision(session, app_id)
    return await repo.list_properties(session, app_id)


async def _ensure_releases_fit(session: AsyncSession, app_id: int, schema: PropertySchema) -> None:
    releases = await releases_repo.releases_with_status(session, app_id, PENDING_OR_LIVE)
    found = [(release.id, schema.problems(release.config_properties)) for release in releases]
    ids = [release_id for release_id, problems in found if problems]
    if not ids:
        return
    details = [
        {"release_id": release_id, "property": p.name, "problem": p.problem, "error": p.message}
        for release_id, problems in found
        for p in problems
    ]
    first = details[0]
    raise Conflict(
        f"release(s) {', '.join(map(str, ids))} set properties the new schema rejects "
        f"(release {first['release_id']}, property {first['property']!r}: {first['error']}); "
        "change or retire them first",
        code="property_schema_conflict",
        details={"release_ids": ids, "problems": details[:50]},
    )


def _row(app_id: int, spec: PropertySpec) -> ConfigProperty:
    return ConfigProperty(
        app_id=app_id,
        name=spec.name,
        description=spec.description,
        default_value={"value": spec.default},
        schema=dict(spec.schema),
    )
