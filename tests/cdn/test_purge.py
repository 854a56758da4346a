"""CDN purge after changes of what devices are served: queued once per change by the snapshot
stores, sent in batches by the drain to a real HTTP receiver on loopback and to CloudFront as
moto's standalone server implements it, with failures retried and bounded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fixtures.cdn import (
    PATHS,
    Receiver,
    cloudfront_settings,
    invalidated_paths,
    queued,
    receiving,
)
from fixtures.serving import DeviceKit, device_kit, running_app
from fixtures.users import UserFactory
from httpx import AsyncClient
from pydantic import SecretStr
from sqlalchemy import delete

from tradewind.app import TradewindApp
from tradewind.cdn.providers import MAX_REASON, CloudFrontPurger, HttpPurger
from tradewind.cdn.service import backoff, drain_once
from tradewind.models import CdnPurge
from tradewind.models.base import utcnow
from tradewind.settings import Settings


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as started:
        yield started


@pytest.fixture
def settings(settings: Settings, receiver: Receiver) -> Settings:
    """The suite's settings with the HTTP purge pointed at the receiver (a key in the query
    and a secret header, as a real purge API would want)."""
    return settings.model_copy(
        update={
            "cdn_purge_provider": "http",
            "cdn_purge_url_template": f"{receiver.url}/purge{{path}}?key=purge-key",
            "cdn_purge_http_headers": {"authorization": SecretStr("Bearer cdn-secret")},
            "cdn_purge_interval_seconds": 3600.0,  # drained by the tests, not the loop
        }
    )


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> DeviceKit:
    kit = await device_kit(app, client, users)
    await kit.live(await kit.package())
    await kit.refresh()
    async with app.ctx.db.unit_of_work() as session:  # start from an empty queue
        await session.execute(delete(CdnPurge))
    return kit


async def _rollout(kit: DeviceKit) -> int:
    """A change of what devices get: a second release rolling out, then the snapshot refresh."""
    release_id = await kit.live(await kit.package(), percentage=10)
    await kit.refresh()
    return release_id


async def test_a_change_is_queued_once_and_purged(kit: DeviceKit, receiver: Receiver) -> None:
    await _rollout(kit)
    rows = await queued(kit.app)
    assert len(rows) == 1 and sorted(rows[0].paths) == sorted(PATHS)
    purger = HttpPurger(kit.app.ctx.settings)
    result = await drain_once(kit.app.ctx.db, purger, kit.app.ctx.settings)
    await purger.close()
    assert (result.purged, result.failed) == (1, 0)
    assert sorted(s.path for s in receiver.seen) == sorted(
        f"/purge{p}?key=purge-key" for p in PATHS
    )
    assert {s.method for s in receiver.seen} == {"POST"}
    assert {s.headers["authorization"] for s in receiver.seen} == {"Bearer cdn-secret"}
    assert await queued(kit.app) == []


async def test_every_process_notices_but_one_row_is_queued(
    kit: DeviceKit, settings: Settings
) -> None:
    async with running_app(settings) as (second, _):
        await second.ctx.snapshots.refresh()
        assert await queued(kit.app) == []  # a process's first load of an app purges nothing
        await _rollout(kit)  # this process notices the change
        await second.ctx.snapshots.refresh()  # and so does the second one
    assert len(await queued(kit.app)) == 1


async def test_failures_are_retried_with_backoff_then_succeed(
    kit: DeviceKit, receiver: Receiver
) -> None:
    settings = kit.app.ctx.settings
    await _rollout(kit)
    huge = b"<html>" + b"x" * 5_000_000  # a huge error page: never read whole
    receiver.answers = [(503, huge)]
    purger = HttpPurger(settings)
    now = utcnow()
    failed = await drain_once(kit.app.ctx.db, purger, settings, now)
    assert (failed.purged, failed.failed) == (0, 1)
    [row] = await queued(kit.app)
    assert row.attempts == 1 and row.last_error is not None
    assert row.last_error.startswith("POST ") and " 503 <html>xxx" in row.last_error
    assert len(row.last_error) <= MAX_REASON and "purge-key" not in row.last_error
    assert row.next_attempt_at == now + backoff(settings, 0)
    # Not due yet: nothing is sent.
    sent = len(receiver.seen)
    assert (await drain_once(kit.app.ctx.db, purger, settings, now)).purged == 0
    assert len(receiver.seen) == sent
    later = row.next_attempt_at + timedelta(seconds=1)
    assert (await drain_once(kit.app.ctx.db, purger, settings, later)).purged == 1
    await purger.close()
    assert await queued(kit.app) == []


async def test_an_unreachable_cdn_is_given_up_after_max_attempts(kit: DeviceKit) -> None:
    closed = kit.app.ctx.settings.model_copy(
        update={
            "cdn_purge_url_template": "http://127.0.0.1:9/purge{path}",
            "cdn_purge_max_attempts": 3,
        }
    )
    await _rollout(kit)
    purger = HttpPurger(closed)
    when = utcnow()
    outcomes = []
    for _ in range(3):
        result = await drain_once(kit.app.ctx.db, purger, closed, when)
        outcomes.append((result.failed, result.abandoned))
        when += timedelta(days=1)
    await purger.close()
    assert outcomes == [(1, 0), (1, 0), (0, 1)]
    assert await queued(kit.app) == []


async def test_cloudfront_invalidation_on_moto(
    kit: DeviceKit, s3_server: str, cloudfront: tuple[object, str]
) -> None:
    client, distribution = cloudfront
    settings = cloudfront_settings(kit.app.ctx.settings, s3_server, distribution)
    await _rollout(kit)
    purger = CloudFrontPurger(settings)
    assert (await drain_once(kit.app.ctx.db, purger, settings)).purged == 1
    assert invalidated_paths(client, distribution) == [sorted(f"{p}*" for p in PATHS)]


async def test_cloudfront_refusal_is_a_failure(kit: DeviceKit, s3_server: str) -> None:
    settings = cloudfront_settings(kit.app.ctx.settings, s3_server, "ENOSUCHDISTRIBUTION")
    await _rollout(kit)
    result = await drain_once(kit.app.ctx.db, CloudFrontPurger(settings), settings)
    assert result.failed == 1
    [row] = await queued(kit.app)
    assert row.last_error is not None and row.last_error.startswith("cloudfront: ")
