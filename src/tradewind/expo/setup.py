"""Wiring of the Expo routes into the process: the store, its startup load and refresh loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp

from tradewind.db import Database
from tradewind.expo.handler import ExpoHandler
from tradewind.expo.patches import PatchCache
from tradewind.expo.signing import ALGORITHM as RSA_SHA256
from tradewind.expo.signing import Signer
from tradewind.expo.store import ExpoStore, SigningKeys, no_signing_keys
from tradewind.keys.keyring import Keyring
from tradewind.keys.loading import loaded_signing_keys
from tradewind.serving.store import SnapshotStore
from tradewind.settings import Settings
from tradewind.storage.base import BlobStore

if TYPE_CHECKING:
    from tradewind.context import AppContext

log = logging.getLogger("tradewind.expo")


@dataclass
class ExpoRuntime:
    store: ExpoStore
    patches: PatchCache

    async def refresh(self) -> list[str]:
        """Refresh the serving snapshots, then the Expo ones (tests and the CLI's wait)."""
        await self.store.serving.refresh()
        return await self.store.refresh()


def rsa_keys_of(keyring: Keyring) -> SigningKeys:
    """The application's enabled RSA keys from key management (Expo signs with RSA only)."""

    async def load(session: AsyncSession, app_id: int) -> Sequence[Signer]:
        loaded = await loaded_signing_keys(session, keyring, app_id)
        rsa = [key for key in loaded if key.algorithm == RSA_SHA256]
        return sorted(rsa, key=lambda key: not key.is_default)  # the default first

    return load


def create(
    settings: Settings,
    db: Database,
    blobs: BlobStore,
    serving: SnapshotStore,
    keyring: Keyring | None = None,
) -> ExpoRuntime:
    signing_keys = no_signing_keys if keyring is None else rsa_keys_of(keyring)
    store = ExpoStore(db, serving, settings.base_url(), signing_keys)
    return ExpoRuntime(store, PatchCache(blobs, settings.data_dir / "tmp" / "bsdiff"))


async def load(ctx: AppContext) -> None:
    """Startup, after the serving snapshots: compile every application's Expo answers."""
    try:
        await ctx.expo.store.refresh()
    except Exception:  # the refresh loop retries; Expo requests get 503 until then
        log.exception("Expo snapshots not loaded at startup")


async def watch(ctx: AppContext) -> None:
    """Follow the serving snapshots (each rebuilt application is compiled once)."""
    interval = ctx.settings.snapshot_poll_interval_seconds
    while True:
        try:
            await ctx.expo.store.refresh()
        except Exception:  # a database error: keep serving the last snapshots
            log.exception("Expo snapshot refresh failed")
        await asyncio.sleep(interval)


def handler(ctx: AppContext, assets: ASGIApp | None) -> ExpoHandler:
    signals = ctx.signals if ctx.settings.signals_enabled else None
    counts = ctx.device_tally.counts_for("expo") if ctx.settings.metrics_enabled else None
    return ExpoHandler(ctx.expo.store, ctx.expo.patches, signals, assets, counts)
