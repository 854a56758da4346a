"""The per-process Expo snapshots, kept in step with the device path's snapshot store.

Each refresh compiles the applications whose serving snapshot changed (it is the source of
their live state) after one history query per changed application; `apps` is replaced, never
mutated, so a request reads a consistent mapping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.db import Database
from tradewind.expo.repository import load_history
from tradewind.expo.signing import Signer
from tradewind.expo.snapshot import ExpoSnapshot, compile_expo
from tradewind.serving.compiler import AppSnapshot
from tradewind.serving.store import SnapshotStore

log = logging.getLogger("tradewind.expo")

SigningKeys = Callable[[AsyncSession, int], Awaitable[Sequence[Signer]]]


async def no_signing_keys(session: AsyncSession, app_id: int) -> Sequence[Signer]:
    return ()


@dataclass
class ExpoStore:
    db: Database
    serving: SnapshotStore
    public_base_url: str  # e.g. https://ota.example.com (no trailing slash)
    signing_keys: SigningKeys = no_signing_keys
    apps: Mapping[str, ExpoSnapshot] = field(default_factory=dict)
    loaded: bool = False
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def launch_url(self, path_key: str) -> Callable[[str], str]:
        base = f"{self.public_base_url}/expo/{path_key}/bundles/"
        return lambda sha256: base + sha256

    async def refresh(self) -> list[str]:
        """Compile what changed in the serving snapshots since the last call; returns the
        rebuilt "org/app" keys."""
        async with self._lock:
            if not self.serving.loaded:
                return []
            current = {s.source.app_id: s for s in self.apps.values()}
            fresh: dict[str, ExpoSnapshot] = {}
            rebuilt: list[str] = []
            for path_key, serving in self.serving.apps.items():
                known = current.get(serving.app_id)
                if known is not None and known.built_from is serving:
                    fresh[path_key] = known
                    continue
                try:
                    if known is not None and known.source is serving.source:
                        # Same data, renewed (presigned) URLs: recompile without the database.
                        fresh[path_key] = self._recompile(known, serving, path_key)
                    else:
                        fresh[path_key] = await self._compile(serving, path_key)
                except Exception:  # keep the last good snapshot; the next refresh retries
                    log.exception("%s: Expo snapshot not rebuilt", path_key)
                    if known is not None:
                        fresh[path_key] = known
                    continue
                rebuilt.append(path_key)
            self.apps = fresh
            self.loaded = True
            return rebuilt

    async def _compile(self, serving: AppSnapshot, path_key: str) -> ExpoSnapshot:
        async with self.db.sessions() as session:
            history = await load_history(session, serving.app_id)
            signers = await self.signing_keys(session, serving.app_id)
        return compile_expo(
            serving, history, signers, self.launch_url(path_key), self.serving.url_for
        )

    def _recompile(self, known: ExpoSnapshot, serving: AppSnapshot, path_key: str) -> ExpoSnapshot:
        return compile_expo(
            serving, known.history, known.signers, self.launch_url(path_key), self.serving.url_for
        )
