"""The server's own drain loop: a rollback through the API reaches the receiver, signed,
within seconds, with no explicit drain by the test."""

from __future__ import annotations

import asyncio
import time

import pytest
from fixtures.releases import release_kit
from fixtures.users import UserFactory
from fixtures.webhooks import Receiver, add_hook, verify
from httpx import AsyncClient

from tradewind.app import TradewindApp
from tradewind.settings import Settings

DEADLINE_SECONDS = 20.0  # bounds a broken test only


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_interval_seconds": 0.05})


async def test_a_rollback_is_delivered_by_the_loop(
    app: TradewindApp, client: AsyncClient, users: UserFactory, hook_receiver: Receiver
) -> None:
    kit = await release_kit(app, client, users)
    hook = await add_hook(kit, hook_receiver.url, events=["release.rolled_back"])
    first = await kit.created(package_version=await kit.package())
    second = await kit.created(package_version=await kit.package(), percentage=50)
    assert (await kit.act(second["id"], "ramp")).status_code == 200
    assert (await kit.act(second["id"], "conclude")).status_code == 200
    assert (await kit.act(first["id"], "rollback")).status_code == 201
    started = time.monotonic()
    while not hook_receiver.received:
        assert time.monotonic() - started < DEADLINE_SECONDS
        await asyncio.sleep(0.05)
    [received] = hook_receiver.received
    assert received.event == "release.rolled_back"
    assert verify(hook["secret"], received.headers["x-tradewind-signature"], received.body)
