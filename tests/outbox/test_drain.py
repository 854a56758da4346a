"""The drain itself: retries with backoff, restarts, the background loop, parallel drains."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from fixtures.files import FilesKit, s3_settings, sha
from sqlalchemy import text

from tradewind.db import Database
from tradewind.files.paths import blob_key
from tradewind.models.base import utcnow
from tradewind.outbox import repository as outbox_repo
from tradewind.outbox import service as outbox
from tradewind.settings import Settings
from tradewind.storage import create_blob_store


def test_backoff_doubles_up_to_the_cap(settings: Settings) -> None:
    tuned = settings.model_copy(
        update={"outbox_interval_seconds": 5.0, "outbox_max_backoff_seconds": 30.0}
    )
    assert [outbox.backoff_seconds(tuned, n) for n in range(1, 6)] == [5, 10, 20, 30, 30]


async def _orphan(kit: FilesKit, data: bytes) -> str:
    """A blob whose file was deleted: its key waits in the outbox, due now."""
    await kit.uploaded("doomed.bin", data)
    r = await kit.client.delete(f"{kit.base}/files/doomed.bin", headers=kit.owner.headers)
    assert r.status_code == 204
    return blob_key(kit.app_id, sha(data))


async def test_storage_failures_are_retried_with_backoff(kit: FilesKit, s3_server: str) -> None:
    key = await _orphan(kit, b"stubborn")
    ctx = kit.app.ctx
    broken = create_blob_store(s3_settings(ctx.settings, s3_server, "tw-no-such-bucket"))
    start = utcnow()
    delays = [outbox.backoff_seconds(ctx.settings, n) for n in (1, 2)]
    try:
        first = await outbox.drain_once(ctx.db, broken, ctx.settings, now=start)
        assert first.failed == 1
        [row] = await kit.outbox_rows()
        assert row.attempts == 1
        assert row.next_attempt_at == start + timedelta(seconds=delays[0])
        assert row.last_error is not None and "blob storage is unavailable" in row.last_error
        assert (await outbox.drain_once(ctx.db, broken, ctx.settings, now=start)).processed == 0
        later = row.next_attempt_at
        second = await outbox.drain_once(ctx.db, broken, ctx.settings, now=later)
        assert second.failed == 1
        [row] = await kit.outbox_rows()
        assert row.attempts == 2
        assert row.next_attempt_at == later + timedelta(seconds=delays[1])
    finally:
        await broken.close()
    assert await kit.storage_keys() == {key}
    healed = await outbox.drain_once(ctx.db, ctx.blob_store, ctx.settings, now=row.next_attempt_at)
    assert healed.deleted == 1
    assert await kit.storage_keys() == set()
    assert await kit.outbox_rows() == []


async def test_work_survives_a_restart(kit: FilesKit) -> None:
    """The outbox lives in the database: a new process (engine, store) finishes the job."""
    key = await _orphan(kit, b"left for the next process")
    settings = kit.app.ctx.settings
    db = Database(settings.resolved_database_url)
    store = create_blob_store(settings)
    try:
        result = await outbox.drain_once(db, store, settings)
    finally:
        await store.close()
        await db.dispose()
    assert result.deleted == 1
    assert key not in await kit.storage_keys()


async def test_background_loop_drains(kit: FilesKit) -> None:
    await _orphan(kit, b"background")
    ctx = kit.app.ctx
    fast = ctx.settings.model_copy(update={"outbox_interval_seconds": 0.01})
    task = asyncio.create_task(outbox.run_drain(ctx.db, ctx.blob_store, fast))
    try:
        for _ in range(1000):  # the drain deletes the blob, then commits its row's removal
            if not await kit.storage_keys() and not await kit.outbox_rows():
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await kit.storage_keys() == set()
    assert await kit.outbox_rows() == []


async def test_parallel_drains_process_each_row_once(kit: FilesKit) -> None:
    for i in range(12):
        await kit.uploaded(f"f{i}.bin", f"content {i}".encode())
    r = await kit.client.delete(kit.base, headers=kit.owner.headers)
    assert r.status_code == 204
    ctx = kit.app.ctx
    results = await asyncio.gather(
        *(outbox.drain_once(ctx.db, ctx.blob_store, ctx.settings) for _ in range(3))
    )
    assert sum(r.failed for r in results) == 0
    assert sum(r.deleted for r in results) + sum(r.kept for r in results) == 12
    assert await kit.storage_keys() == set()
    assert await kit.outbox_rows() == []


async def test_registering_a_key_waits_for_a_drain_holding_it(kit: FilesKit) -> None:
    """PostgreSQL: the per-key advisory lock makes an upload's registration wait while the
    drain decides about (and deletes) the same key, so it never writes under a deletion."""
    db = kit.app.ctx.db
    if not db.is_postgres:
        pytest.skip("SQLite serialises all writers by itself")
    key = blob_key(kit.app_id, sha(b"contended"))
    async with db.unit_of_work() as drain_session:
        await outbox_repo.lock_keys(drain_session, [key])
        registering = asyncio.create_task(outbox.register_pending(db, [key], 60))
        waiting = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND classid = :cls AND objsubid = 2 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        for _ in range(500):
            async with db.sessions() as probe:
                if await probe.scalar(waiting, {"cls": outbox_repo.KEY_LOCK_CLASS}):
                    break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the registration did not wait for the key lock")
        assert not registering.done()
    assert len(await registering) == 1
