"""Failing endpoints: an error status, a timeout, an unreachable port and an endless answer;
retries with backoff, bounded attempts, and the delivery log."""

from __future__ import annotations

import socket

import pytest
from fixtures.releases import ReleaseKit, release_kit
from fixtures.users import UserFactory
from fixtures.webhooks import Answer, Receiver, add_hook, deliveries, drain, later, verify
from httpx import AsyncClient

from tradewind.app import TradewindApp
from tradewind.models.base import utcnow


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> ReleaseKit:
    return await release_kit(app, client, users)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed when the block ends: nobody listens


async def test_a_server_error_is_retried_with_backoff_then_delivered(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver
) -> None:
    hook = await add_hook(kit, hook_receiver.url)
    hook_receiver.script = [Answer(500, b"database on fire")]
    await kit.created(package_version=await kit.package())

    first = await drain(app)
    assert (first.delivered, first.retrying) == (0, 1)
    [row] = await deliveries(app)
    assert (row.status, row.attempts, row.response_status) == ("pending", 1, 500)
    assert row.response_excerpt == "database on fire"
    assert row.next_attempt_at is not None and row.next_attempt_at > utcnow()
    assert (await drain(app)).retrying == 0  # not due yet: nothing is sent
    assert len(hook_receiver.received) == 1

    second = await drain(app, now=later())
    assert second.delivered == 1
    [row] = await deliveries(app)
    assert (row.status, row.attempts, row.response_status, row.next_attempt_at) == (
        "delivered",
        2,
        200,
        None,
    )
    first_try, retry = hook_receiver.received
    assert first_try.headers["x-tradewind-delivery"] == retry.headers["x-tradewind-delivery"]
    assert verify(hook["secret"], retry.headers["x-tradewind-signature"], retry.body)


async def test_attempts_are_bounded(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver
) -> None:
    await add_hook(kit, hook_receiver.url)
    hook_receiver.script = [Answer(503)] * 10
    await kit.created(package_version=await kit.package())
    for hours in (0, 24, 48):  # webhook_max_attempts is 3 in these tests
        await drain(app, now=later(hours) if hours else None)
    [row] = await deliveries(app)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    assert (await drain(app, now=later(96))).failed == 0
    assert len(hook_receiver.received) == 3


async def test_a_timeout_and_an_unreachable_port_are_recorded(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver
) -> None:
    await add_hook(kit, hook_receiver.url)
    await add_hook(kit, f"http://127.0.0.1:{closed_port()}/hook")
    hook_receiver.script = [Answer(delay=2.0)]
    await kit.created(package_version=await kit.package())
    impatient = app.ctx.settings.model_copy(update={"webhook_timeout_seconds": 0.5})
    result = await drain(app, settings=impatient)
    assert result.retrying == 2
    slow, unreachable = await deliveries(app)
    assert slow.response_status is None and slow.last_error == "timed out after 0.5 s"
    assert unreachable.response_status is None
    assert unreachable.last_error is not None and "ConnectError" in unreachable.last_error


async def test_an_endless_answer_is_cut_at_64_kib_not_waited_for(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver
) -> None:
    await add_hook(kit, hook_receiver.url)
    hook_receiver.script = [Answer(200, endless=True)]
    await kit.created(package_version=await kit.package())
    assert (await drain(app)).delivered == 1
    [row] = await deliveries(app)
    assert row.response_excerpt == "x" * 500
