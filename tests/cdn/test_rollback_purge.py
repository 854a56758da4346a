"""The whole path with the server's own loops: a rollback through the API, the snapshot
watcher noticing it, the queue, the drain loop, and the invalidation on CloudFront (moto's
standalone server) within seconds."""

from __future__ import annotations

import asyncio
import time

import pytest
from fixtures.cdn import PATHS, cloudfront_settings, invalidated_paths, queued
from fixtures.serving import DeviceKit, device_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp
from tradewind.settings import Settings

DEADLINE_SECONDS = 20.0  # bounds a broken test only


@pytest.fixture
def settings(settings: Settings, s3_server: str, cloudfront: tuple[object, str]) -> Settings:
    return cloudfront_settings(settings, s3_server, cloudfront[1])


async def test_a_rollback_is_invalidated_within_seconds(
    app: TradewindApp, client: AsyncClient, users: UserFactory, cloudfront: tuple[object, str]
) -> None:
    cf, distribution = cloudfront
    kit: DeviceKit = await device_kit(app, client, users)
    first = await kit.live(await kit.package())
    await kit.live(await kit.package())
    await kit.refresh()
    started = time.monotonic()
    while await queued(app):  # the purge of those first changes is sent before the rollback
        assert time.monotonic() - started < DEADLINE_SECONDS
        await asyncio.sleep(0.05)
    seen_before = len(invalidated_paths(cf, distribution))
    rolled_back = await kit.act(first, "rollback")
    assert rolled_back.status_code == 201, rolled_back.text
    started = time.monotonic()
    while True:  # no refresh by the test: the watcher and drain loops do the work
        batches = invalidated_paths(cf, distribution)[seen_before:]
        if any(sorted(f"{p}*" for p in PATHS) == batch for batch in batches):
            break
        assert time.monotonic() - started < DEADLINE_SECONDS, batches
        await asyncio.sleep(0.1)
    print(f"rollback invalidated on CloudFront after {time.monotonic() - started:.2f} s")
