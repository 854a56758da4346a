"""The per-process CodePush snapshot store, refreshed like the Airborne snapshots.

One revision poll (the same query as the Airborne store) per interval; an application whose
revision changed has its deployments reloaded and recompiled; `by_key` is replaced, never
mutated, so the device handler reads it with one attribute load and one dict lookup.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.codepush import repository as repo
from tradewind.codepush.decision import Entry
from tradewind.codepush.snapshot import DeploymentInfo, DeploymentSnapshot
from tradewind.db import Database
from tradewind.serving import repository as serving_repo

log = logging.getLogger("tradewind.codepush")

UrlFor = Callable[[str], str]
MEMO_SIZE = 8192
# Statuses in which a release is not offered: never started, stopped, paused.
DISABLED_STATUSES = frozenset({"created", "discarded", "retired", "paused"})


def label_of(number: int) -> str:
    return f"v{number}"


def entry_of(row: repo.HistoryRow, diffs: Mapping[str, tuple[str, int]], url_for: UrlFor) -> Entry:
    release = row.release
    finished = release.status in ("concluded", "superseded")
    return Entry(
        release_id=release.id,
        label=label_of(row.cp.label_number),
        package_hash=row.cp.package_hash,
        app_version=release.binary_version_range or "*",
        is_mandatory=release.mandatory,
        is_disabled=row.cp.is_disabled or release.status in DISABLED_STATUSES,
        rollout=100.0 if finished else release.rollout_bp / 100,
        description=row.cp.description,
        url=url_for(row.zip_key),
        size=row.zip_size,
        diffs={h: (url_for(key), size) for h, (key, size) in diffs.items()},
    )


async def load_app(
    session: AsyncSession, app_ids: Sequence[int], url_for: UrlFor
) -> dict[str, DeploymentSnapshot]:
    """Snapshots of every deployment of these applications, by key hash."""
    found = await repo.deployments(session, app_ids)
    if not found:
        return {}
    names = await repo.application_keys(session, {d.app_id for d in found})
    rows = await repo.history(session, [d.id for d in found])
    diffs = await repo.diffs(session, [r.cp.release_id for r in rows])
    snapshots: dict[str, DeploymentSnapshot] = {}
    for deployment in found:
        mine = [r for r in rows if r.cp.deployment_id == deployment.id]
        info = DeploymentInfo(
            app_id=deployment.app_id,
            application=names[deployment.app_id],
            deployment_id=deployment.id,
            name=deployment.name,
            labels={label_of(r.cp.label_number): r.release.id for r in mine},
        )
        history = [entry_of(r, diffs.get(r.cp.release_id, {}), url_for) for r in mine]
        snapshots[deployment.key_hash] = DeploymentSnapshot(info, history)
    return snapshots


@dataclass
class CodePushStore:
    db: Database
    url_for: UrlFor
    by_key: Mapping[str, DeploymentSnapshot] = field(default_factory=dict)
    loaded: bool = False
    last_error: str | None = None
    # Update-check answers (or error codes) by raw query, valid for the current `by_key` only.
    memo: dict[tuple[bool, bytes], Any] = field(default_factory=dict)
    # None: download URLs never expire; else (presigned S3 URLs) rebuild before half of it.
    url_ttl_seconds: float | None = None
    _revisions: dict[int, int] = field(default_factory=dict)
    _built_at: dict[int, float] = field(default_factory=dict)
    _by_app: dict[int, dict[str, DeploymentSnapshot]] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _expiring(self) -> set[int]:
        """Applications whose presigned download URLs have lived half their lifetime."""
        if self.url_ttl_seconds is None:
            return set()
        deadline = time.monotonic() - self.url_ttl_seconds / 2
        return {app_id for app_id, at in self._built_at.items() if at <= deadline}

    def remember(self, key: tuple[bool, bytes], found: Any) -> None:
        memo = self.memo
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[key] = found

    async def refresh(self) -> list[int]:
        """Reload the applications whose revision changed; the ids of those rebuilt."""
        async with self._lock:
            async with self.db.sessions() as session:
                versions = await serving_repo.app_versions(session)
                expiring = self._expiring()
                changed = [
                    app_id
                    for app_id, v in versions.items()
                    if self._revisions.get(app_id) != v.revision or app_id in expiring
                ]
                fresh = {
                    app_id: await load_app(session, [app_id], self.url_for) for app_id in changed
                }
            by_app = {i: s for i, s in self._by_app.items() if i in versions}
            removed = len(by_app) != len(self._by_app)
            by_app.update(fresh)
            self._revisions = {i: versions[i].revision for i in versions}
            now = time.monotonic()
            self._built_at = {i: now if i in fresh else self._built_at.get(i, now) for i in by_app}
            self._by_app = by_app
            if changed or removed or not self.loaded:
                # No await between these two lines: no request sees the new mapping with
                # answers remembered from the old one.
                self.by_key = {k: s for snaps in by_app.values() for k, s in snaps.items()}
                self.memo = {}
            self.loaded = True
            self.last_error = None
            return changed


async def watch(store: CodePushStore, interval: float) -> None:
    """Poll forever, keeping the last snapshots while the database is unreachable."""
    while True:
        try:
            await asyncio.wait_for(store.refresh(), 10.0)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any driver error: keep serving, retry
            if store.last_error is None:
                log.warning("codepush snapshot refresh failed: %s", type(exc).__name__)
            store.last_error = f"{type(exc).__name__}"
        await asyncio.sleep(interval)
