"""The per-process snapshot store: compiled applications keyed by "org/app".

`apps` is replaced, never mutated, so the device handler reads a consistent mapping with one
attribute load and one dict lookup, and a refresh swaps every change in at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.db import Database
from tradewind.keys.errors import KeyringError
from tradewind.keys.keyring import Keyring
from tradewind.keys.loading import loaded_signing_keys
from tradewind.metrics.registry import SNAPSHOT_REBUILDS
from tradewind.serving import repository as repo
from tradewind.serving.compiler import AppSnapshot, compile_app
from tradewind.serving.document import AppSource, Signature, UrlFor

log = logging.getLogger("tradewind.serving")

Loader = Callable[[AsyncSession, list[repo.AppVersion]], Awaitable[list[AppSource]]]
# Told which served answers changed: {"<app id>:<revision>:<org/app>": ["org/app", ...]}.
ChangeHook = Callable[[dict[str, list[str]]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RefreshResult:
    rebuilt: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    resigned: tuple[str, ...] = ()


@dataclass
class SnapshotStore:
    db: Database
    url_for: UrlFor
    cache_control: bytes
    # None: device URLs never expire; else rebuild before half of this many seconds passes.
    url_ttl_seconds: float | None = None
    loader: Loader = repo.load_sources
    # Opens the applications' signing keys; None: answers are never signed.
    keyring: Keyring | None = None
    # Called after a refresh that changed what devices of already-served applications get
    # (not the first load): the CDN purge (tradewind.cdn).
    on_change: ChangeHook | None = None
    apps: Mapping[str, AppSnapshot] = field(default_factory=dict)
    loaded: bool = False
    last_success: float | None = None  # time.monotonic() of the last successful poll
    last_error: str | None = None
    _by_id: dict[int, AppSnapshot] = field(default_factory=dict)
    # One refresh at a time: a slower one must not publish older data over a newer one.
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def refresh(self) -> RefreshResult:
        """Poll revisions (one query) and rebuild only the applications that changed."""
        async with self._lock:
            before = self._by_id
            result = await self._refresh()
            changes = _changes(before, self._by_id)
        if changes and self.on_change is not None:
            await self.on_change(changes)
        return result

    async def _refresh(self) -> RefreshResult:
        resigned = self._resign_expiring()
        async with self.db.sessions() as session:
            versions = await repo.app_versions(session)
            changed = [
                v for v in versions.values() if _signature(self._by_id.get(v.app_id)) != v.signature
            ]
            fresh = await self.loader(session, changed) if changed else []
            fresh = await self._with_signing_keys(session, fresh)
        removed = [s.source.path_key for i, s in self._by_id.items() if i not in versions]
        rebuilt = self._swap(fresh, versions) if changed or removed else []
        self.loaded = True
        self.last_success = time.monotonic()
        self.last_error = None
        return RefreshResult(rebuilt=tuple(rebuilt), removed=tuple(removed), resigned=resigned)

    async def _with_signing_keys(
        self, session: AsyncSession, sources: list[AppSource]
    ) -> list[AppSource]:
        """Each source with its signing keys; an application whose keys cannot be opened now
        (KMS unreachable, a tampered key) keeps its last snapshot and is retried next poll."""
        if self.keyring is None:
            return sources
        ready = []
        for source in sources:
            try:
                keys = await loaded_signing_keys(session, self.keyring, source.app_id)
            except KeyringError as exc:
                log.error("%s: signing keys unavailable, snapshot kept: %s", source.path_key, exc)
                continue
            ready.append(replace(source, signing_keys=tuple(keys)) if keys else source)
        return ready

    def _compile(self, app: AppSource) -> AppSnapshot:
        return compile_app(app, self.url_for, self.cache_control)

    def _swap(self, fresh: list[AppSource], versions: Mapping[int, object]) -> list[str]:
        """Compile the fresh apps, drop deleted ones, publish one new mapping."""
        by_id = {i: s for i, s in self._by_id.items() if i in versions}
        rebuilt = []
        for app in fresh:
            try:
                by_id[app.app_id] = self._compile(app)
            except Exception:  # keep this app's last good snapshot; the next poll retries it
                log.exception("%s: snapshot not rebuilt", app.path_key)
                continue
            rebuilt.append(app.path_key)
        self._publish(by_id)
        SNAPSHOT_REBUILDS.inc(len(rebuilt))
        return rebuilt

    def _publish(self, by_id: dict[int, AppSnapshot]) -> None:
        self._by_id = by_id
        self.apps = {s.source.path_key: s for s in by_id.values()}

    def _resign_expiring(self) -> tuple[str, ...]:
        """Presigned URLs: recompile from the kept source (no database) before half the TTL."""
        if self.url_ttl_seconds is None:
            return ()
        deadline = time.monotonic() - self.url_ttl_seconds / 2
        expiring = [s.source for s in self._by_id.values() if s.built_at <= deadline]
        if not expiring:
            return ()
        by_id = dict(self._by_id)
        for source in expiring:
            by_id[source.app_id] = self._compile(source)
        self._publish(by_id)
        return tuple(source.path_key for source in expiring)

    def health(self, max_age_seconds: float) -> str:
        """Readiness: "ok", or why this process may be serving stale answers."""
        if not self.loaded:
            return f"loading: {self.last_error}" if self.last_error else "loading"
        if self.last_error is not None:
            return f"stale: {self.last_error}"
        assert self.last_success is not None
        age = time.monotonic() - self.last_success
        if age > max_age_seconds:
            return f"stale: last refresh {age:.0f}s ago"
        return "ok"


def _changes(before: dict[int, AppSnapshot], after: dict[int, AppSnapshot]) -> dict[str, list[str]]:
    """Applications served before whose answers changed: a new revision, a new name, gone."""
    changes = {}
    for app_id, old in before.items():
        new = after.get(app_id)
        if new is None:
            changes[f"{app_id}:deleted:{old.source.path_key}"] = [old.source.path_key]
            continue
        renamed = new.source.path_key != old.source.path_key
        if new.source.revision != old.source.revision or renamed:
            key = f"{app_id}:{new.source.revision}:{new.source.path_key}"
            changes[key] = sorted({old.source.path_key, new.source.path_key})
    return changes


def _signature(snapshot: AppSnapshot | None) -> Signature | None:
    """The version a snapshot was built from (the revision read before its releases)."""
    if snapshot is None:
        return None
    source = snapshot.source
    ingest = source.ingest
    return (source.revision, source.org_name, source.app_name, ingest.key, ingest.keyless)
