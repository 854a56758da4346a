"""Pruning keeps each span for its own retention and can run any number of times."""

from __future__ import annotations

import time

from fixtures.serving import DeviceKit
from fixtures.signals import totals

from tradewind.settings import Settings
from tradewind.signals.model import Metric
from tradewind.signals.recorder import SignalRecorder
from tradewind.signals.setup import prune_once

HOUR = 3600.0
DAY = 24 * HOUR


async def test_each_span_is_pruned_after_its_retention(kit: DeviceKit, settings: Settings) -> None:
    db = kit.app.ctx.db
    now = time.time()
    ages = {
        "recent": HOUR,
        "three_days": 3 * DAY,  # minute rows gone (48 h), hour and day rows kept
        "forty_days": 40 * DAY,  # hour rows gone (30 days) too
        "five_hundred_days": 500 * DAY,  # everything gone (400 days)
    }
    for label, age in ages.items():
        recorder = SignalRecorder(db, lambda age=age: now - age)
        recorder.count(kit.app_id, Metric.CHECK, 1, label)
        await recorder.flush()
    for _ in range(2):  # restart-safe: a second run finds nothing more to delete
        await prune_once(db, settings)
        assert set(await _versions(kit, "minute")) == {"recent"}
        assert set(await _versions(kit, "hour")) == {"recent", "three_days"}
        assert set(await _versions(kit, "day")) == {"recent", "three_days", "forty_days"}


async def test_retention_follows_the_settings(kit: DeviceKit, settings: Settings) -> None:
    db = kit.app.ctx.db
    now = time.time()
    recorder = SignalRecorder(db, lambda: now - 2 * DAY)
    recorder.count(kit.app_id, Metric.CHECK)
    await recorder.flush()
    longer = settings.model_copy(update={"signals_minute_retention_hours": 24 * 7})
    await prune_once(db, longer)
    assert await _versions(kit, "minute")
    shorter = settings.model_copy(update={"signals_retention_days": 1})
    await prune_once(db, shorter)
    assert await _versions(kit, "day") == []


async def _versions(kit: DeviceKit, span: str) -> list[str]:
    return [key[2] for key in await totals(kit.app.ctx.db, kit.app_id, span)]
