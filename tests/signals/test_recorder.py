"""The recorder adds up exactly in every span, and a failed flush is retried once, not lost."""

from __future__ import annotations

import asyncio
import gc

import pytest
from fixtures.serving import DeviceKit
from fixtures.signals import distinct_devices, totals
from sqlalchemy import text

from tradewind.signals import repository
from tradewind.signals.batch import Batch
from tradewind.signals.model import Metric
from tradewind.signals.recorder import SignalRecorder

MINUTE = 60.0
T0 = 1_700_000_000.0 // 86400 * 86400 + 3600.0  # 01:00 UTC on some day


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_counts_add_up_in_every_span(kit: DeviceKit) -> None:
    clock = Clock(T0)
    recorder = SignalRecorder(kit.app.ctx.db, clock)
    for minute in range(3):  # three minute buckets, one hour, one day
        clock.now = T0 + minute * MINUTE
        for _ in range(minute + 1):
            recorder.count(kit.app_id, Metric.CHECK, 7, "3")
        recorder.count(kit.app_id, Metric.INSTALL_FAILED, 7, "4", n=2)
        await recorder.flush()
    expected = {("check", 7, "3"): 6, ("install_failed", 7, "4"): 6}
    for span in ("minute", "hour", "day"):
        assert await totals(kit.app.ctx.db, kit.app_id, span) == expected
    assert recorder.held_batches == 0


async def test_distinct_devices_merge_across_flushes(kit: DeviceKit) -> None:
    recorder = SignalRecorder(kit.app.ctx.db, Clock(T0))
    for device in range(300):
        recorder.device(kit.app_id, 5, "2", f"device-{device}")
    await recorder.flush()
    for device in range(200, 500):  # 100 seen before, 200 new
        recorder.device(kit.app_id, 5, "2", f"device-{device}")
    await recorder.flush()
    estimate = (await distinct_devices(kit.app.ctx.db, kit.app_id))[(5, "2")]
    assert 490 <= estimate <= 510


async def test_failed_flush_is_retried_whole(kit: DeviceKit) -> None:
    """The flush fails after counts were upserted (its sketches table is gone): the whole
    transaction rolls back, nothing is lost, and the retry counts everything exactly once."""
    db = kit.app.ctx.db
    recorder = SignalRecorder(db, Clock(T0))
    recorder.count(kit.app_id, Metric.CHECK, 1, "1", n=5)
    recorder.device(kit.app_id, 1, "1", "a")
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE signal_sketches RENAME TO signal_sketches_away"))
    try:
        await recorder.flush()
        assert recorder.held_batches == 1
        recorder.count(kit.app_id, Metric.CHECK, 1, "1", n=2)  # recorded during the outage
        await recorder.flush()
        assert recorder.held_batches == 2
        assert await totals(db, kit.app_id) == {}
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE signal_sketches_away RENAME TO signal_sketches"))
    await recorder.flush()
    assert recorder.held_batches == 0
    assert await totals(db, kit.app_id) == {("check", 1, "1"): 7}
    assert await distinct_devices(db, kit.app_id) == {(1, "1"): 1.0}


async def test_a_committed_batch_is_never_applied_twice(kit: DeviceKit) -> None:
    """A flush whose COMMIT reached the database but whose answer was lost is retried with
    the same batch id; the ledger makes the retry a no-op."""
    db = kit.app.ctx.db
    minute = int(T0) // 60
    batch = Batch({(kit.app_id, minute, "check", 3, "9"): 4}, {})
    await repository.apply(db, [batch])
    await repository.apply(db, [batch])
    later = Batch({(kit.app_id, minute, "check", 3, "9"): 1}, {})
    await repository.apply(db, [batch, later])
    assert await totals(db, kit.app_id) == {("check", 3, "9"): 5}


async def test_counts_of_a_deleted_application_are_dropped(kit: DeviceKit) -> None:
    db = kit.app.ctx.db
    recorder = SignalRecorder(db, Clock(T0))
    recorder.count(kit.app_id, Metric.CHECK)
    recorder.count(kit.app_id + 1000, Metric.CHECK)  # no such application (any more)
    await recorder.flush()
    assert recorder.held_batches == 0
    assert await totals(db, kit.app_id) == {("check", 0, ""): 1}


async def test_a_refused_value_does_not_block_later_flushes(kit: DeviceKit) -> None:
    """PostgreSQL refuses NUL in text: that batch is dropped (logged), the others are written.
    (SQLite stores it; the outcome for the good counts is the same.)"""
    db = kit.app.ctx.db
    recorder = SignalRecorder(db, Clock(T0))
    recorder.count(kit.app_id, Metric.CHECK, 0, "bad\x00version")
    await recorder.flush()
    recorder.count(kit.app_id, Metric.CHECK, 0, "good", n=3)
    await recorder.flush()
    assert recorder.held_batches == 0
    assert (await totals(db, kit.app_id))[("check", 0, "good")] == 3


async def test_checks_and_other_device_reports_merge(kit: DeviceKit) -> None:
    """Checks (the device path) and device() (other protocols) fill the same sketch."""
    db = kit.app.ctx.db
    recorder = SignalRecorder(db, Clock(T0))
    recorder.check(kit.app_id, 5, "2", "a")
    recorder.check(kit.app_id, 5, "2", None)
    recorder.device(kit.app_id, 5, "2", "b")
    recorder.device(kit.app_id, 5, "2", "a")
    recorder.count(kit.app_id, Metric.CHECK, 5, "2")  # e.g. a protocol counting checks itself
    assert recorder.held() == {
        (kit.app_id, int(T0) // 60, "check", 5, "2"): 3,
        (kit.app_id, int(T0) // 60, "check_anonymous", 5, "2"): 1,
    }
    await recorder.flush()
    assert await totals(db, kit.app_id) == {("check", 5, "2"): 3, ("check_anonymous", 5, "2"): 1}
    assert round((await distinct_devices(db, kit.app_id))[(5, "2")], 6) == 2


async def test_a_flush_cancelled_mid_write_loses_nothing(kit: DeviceKit) -> None:
    """The flush loop is cancelled at shutdown, at any point of its transaction; the shutdown
    flush that follows must still write everything (it failed on SQLite's write lock, held by
    the cancelled transaction, and dropped the counts)."""
    recorder = SignalRecorder(kit.app.ctx.db, Clock(T0))
    sent = 0
    for delay_us in range(0, 4000, 250):
        for n in range(30):
            recorder.check(kit.app_id, 7, str(n % 3), f"device-{n}" if n % 2 else None)
        sent += 30
        flushing = asyncio.create_task(recorder.flush())
        await asyncio.sleep(delay_us / 1e6)
        flushing.cancel()
        await asyncio.wait([flushing])
        async with asyncio.timeout(30):
            await recorder.flush()
        assert recorder.held_batches == 0, f"cancelled after {delay_us} µs"
    counted = await totals(kit.app.ctx.db, kit.app_id)
    assert sum(n for (metric, _, _), n in counted.items() if metric == "check") == sent


async def test_a_write_failing_after_its_flush_was_cancelled_is_not_reported_as_lost(
    kit: DeviceKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shielded write goes on after its flush is cancelled; when it then fails, nothing
    awaits it: asyncio must not log "Task exception was never retrieved" at shutdown."""
    reported: list[dict[str, object]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: reported.append(context))

    async def failing_apply(*_: object) -> None:
        await asyncio.sleep(0.05)
        raise RuntimeError("database went away")

    monkeypatch.setattr(repository, "apply", failing_apply)
    recorder = SignalRecorder(kit.app.ctx.db, Clock(T0))
    recorder.check(kit.app_id, 7, "1", "device-1")
    flushing = asyncio.create_task(recorder.flush())
    await asyncio.sleep(0.01)
    flushing.cancel()
    await asyncio.wait([flushing])
    del flushing  # its traceback holds the write: without it, the write can be collected
    await asyncio.sleep(0.1)  # the shielded write fails now, with nobody awaiting it
    gc.collect()
    loop.set_exception_handler(None)
    assert reported == []
    assert recorder.held_batches == 1  # kept for the next flush
