"""Queries behind the snapshots: the cheap revision poll and the load of live state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Application, Organisation, Release
from tradewind.releases.live import load_live_state
from tradewind.serving.document import AppSource, Ingest, Signature


@dataclass(frozen=True, slots=True)
class AppVersion:
    """What the poll sees of an application: enough to know whether to rebuild it."""

    app_id: int
    revision: int
    org_name: str
    app_name: str
    ingest_key: str
    ingest_keyless: bool

    @property
    def signature(self) -> Signature:
        return (self.revision, self.org_name, self.app_name, self.ingest_key, self.ingest_keyless)


async def app_versions(session: AsyncSession) -> dict[int, AppVersion]:
    """One cheap query: every application's revision and names, by application id."""
    query = select(
        Application.id,
        Application.revision,
        Organisation.name,
        Application.name,
        Application.ingest_key,
        Application.ingest_keyless,
    ).join(Organisation, Organisation.id == Application.org_id)
    rows = (await session.execute(query)).all()
    return {row[0]: AppVersion(*row) for row in rows}


async def load_sources(session: AsyncSession, versions: Sequence[AppVersion]) -> list[AppSource]:
    """The live state of these applications (each read revision-first, see LiveState)."""
    return [
        AppSource(
            v.org_name,
            v.app_name,
            await load_live_state(session, v.app_id),
            ingest=Ingest(v.ingest_key, v.ingest_keyless, await release_ids(session, v.app_id)),
        )
        for v in versions
    ]


async def release_ids(session: AsyncSession, app_id: int) -> frozenset[int]:
    """Every release id of the application, finished ones too (devices report on them)."""
    query = select(Release.id).where(Release.app_id == app_id)
    return frozenset((await session.scalars(query)).all())
