"""Queries behind the snapshots: the cheap revision poll and the load of live state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Application, Organisation
from tradewind.releases.live import load_live_state
from tradewind.serving.document import AppSource


@dataclass(frozen=True, slots=True)
class AppVersion:
    """What the poll sees of an application: enough to know whether to rebuild it."""

    app_id: int
    revision: int
    org_name: str
    app_name: str

    @property
    def signature(self) -> tuple[int, str, str]:
        return (self.revision, self.org_name, self.app_name)


async def app_versions(session: AsyncSession) -> dict[int, AppVersion]:
    """One cheap query: every application's revision and names, by application id."""
    query = select(Application.id, Application.revision, Organisation.name, Application.name).join(
        Organisation, Organisation.id == Application.org_id
    )
    rows = (await session.execute(query)).all()
    return {row[0]: AppVersion(*row) for row in rows}


async def load_sources(session: AsyncSession, versions: Sequence[AppVersion]) -> list[AppSource]:
    """The live state of these applications (each read revision-first, see LiveState)."""
    return [
        AppSource(v.org_name, v.app_name, await load_live_state(session, v.app_id))
        for v in versions
    ]
