"""Wiring of webhook deliveries into the process: the drain loop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradewind.webhooks.delivery import run_deliveries

if TYPE_CHECKING:
    from tradewind.context import AppContext


async def delivery_loop(ctx: AppContext) -> None:
    await run_deliveries(ctx.db, ctx.keyring, ctx.settings)
