"""Wiring of the CDN purge into the process: the snapshot store's change hook and the drain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradewind.cdn.providers import create_purger
from tradewind.cdn.service import device_paths, enqueue, run_purges
from tradewind.db import Database
from tradewind.serving.store import ChangeHook

if TYPE_CHECKING:
    from tradewind.context import AppContext


def change_hook(db: Database) -> ChangeHook:
    async def queue(changes: dict[str, list[str]]) -> None:
        await enqueue(
            db, {key: [p for k in keys for p in device_paths(k)] for key, keys in changes.items()}
        )

    return queue


async def purge_loop(ctx: AppContext) -> None:
    purger = create_purger(ctx.settings)
    if purger is not None:
        await run_purges(ctx.db, purger, ctx.settings)
