"""Wiring of the device path into the process: store, startup load, watcher, readiness."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tradewind.assets.handler import asset_base_url
from tradewind.db import Database
from tradewind.keys.keyring import Keyring
from tradewind.serving.handler import DeviceHandler
from tradewind.serving.store import ChangeHook, SnapshotStore
from tradewind.serving.watcher import max_snapshot_age, refresh_once, watch
from tradewind.settings import Settings
from tradewind.storage.base import BlobStore

if TYPE_CHECKING:
    from tradewind.context import AppContext

log = logging.getLogger("tradewind.serving")


def create_store(
    settings: Settings,
    db: Database,
    blob_store: BlobStore,
    keyring: Keyring | None = None,
    on_change: ChangeHook | None = None,
) -> SnapshotStore:
    base = asset_base_url(settings)

    def url_for(key: str) -> str:
        return blob_store.device_url(key, base)

    return SnapshotStore(
        db=db,
        url_for=url_for,
        cache_control=settings.device_cache_control.encode("latin-1"),
        url_ttl_seconds=blob_store.url_ttl_seconds,
        keyring=keyring,
        on_change=on_change,
    )


async def load_snapshots(ctx: AppContext) -> None:
    """Startup: load every application before serving (the watcher retries on failure)."""
    if await refresh_once(ctx.snapshots) is None:
        log.warning("snapshots not loaded at startup; device requests get 503 until they are")


async def watch_snapshots(ctx: AppContext) -> None:
    await watch(ctx.snapshots, ctx.settings.snapshot_poll_interval_seconds)


async def snapshots_check(ctx: AppContext) -> str:
    return ctx.snapshots.health(max_snapshot_age(ctx.settings.snapshot_poll_interval_seconds))


def device_handler(ctx: AppContext) -> DeviceHandler:
    return DeviceHandler(
        ctx.snapshots,
        ctx.signals if ctx.settings.signals_enabled else None,
        ctx.device_tally if ctx.settings.metrics_enabled else None,
    )
