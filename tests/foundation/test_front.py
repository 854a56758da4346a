"""The front `tradewind serve` hands to granian: live at once, the real app built behind it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from httpx import ASGITransport, AsyncClient

from tradewind.app import create_app
from tradewind.front import ASGIApp, FrontApp, _Lifespan
from tradewind.settings import Settings

pytestmark = pytest.mark.xdist_group("front")


def gated(build: Callable[[], ASGIApp]) -> tuple[Callable[[], ASGIApp], threading.Event]:
    """A build that waits for the test's go-ahead, so the test sees the front alone."""
    gate = threading.Event()

    def slow_build() -> ASGIApp:
        assert gate.wait(timeout=60)
        return build()

    return slow_build, gate


def http(front: FrontApp) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=front), base_url="http://testserver")


async def test_live_at_once_then_everything_once_built(settings: Settings) -> None:
    build, gate = gated(lambda: create_app(settings))
    front = FrontApp(build)
    lifespan = _Lifespan(front)
    await lifespan.startup()  # completes before the application is built
    async with http(front) as client:
        live = await client.get("/health/live")
        assert (live.status_code, live.json()) == (200, {"status": "ok"})
        starting = await client.get("/health/ready")
        assert starting.status_code == 503
        assert starting.json()["status"] == "starting"
        assert starting.headers["retry-after"] == "1"
        held = asyncio.create_task(client.get("/api/v1/orgs"))
        await asyncio.sleep(0.05)
        assert not held.done()  # waits for the application instead of failing
        gate.set()
        answered = await asyncio.wait_for(held, timeout=60)
        assert answered.status_code == 401  # the real API answered: sign-in required
        assert answered.json()["error"]["code"]
        ready = await client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        device = await client.get("/release/nobody/nothing")  # the raw device handler's answer
        assert device.status_code == 404
        assert device.headers["x-tradewind-error"] == "application_not_found"
        assert (await client.get("/health/live")).status_code == 200
    await lifespan.shutdown()
    assert front._lifespan is not None and front._lifespan.task is not None
    assert front._lifespan.task.done()  # the application's own lifespan ran to its end


async def test_a_failed_build_answers_503_and_stays_live() -> None:
    def broken() -> ASGIApp:
        raise RuntimeError("cannot build")

    front = FrontApp(broken)
    lifespan = _Lifespan(front)
    await lifespan.startup()
    async with http(front) as client:
        failed = await client.get("/api/v1/orgs")
        assert failed.status_code == 503
        assert failed.json()["error"]["code"] == "startup_failed"
        assert (await client.get("/health/ready")).status_code == 503
        assert (await client.get("/health/live")).status_code == 200
    await lifespan.shutdown()
    assert front.failed


async def test_a_build_that_never_ends_answers_503_after_the_hold(
    settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    build, gate = gated(lambda: create_app(settings))
    front = FrontApp(build, hold_seconds=0.2)
    lifespan = _Lifespan(front)
    await lifespan.startup()
    async with http(front) as client:
        for _ in range(2):
            held = await asyncio.wait_for(client.get("/api/v1/orgs"), timeout=30)
            assert held.status_code == 503
            assert held.headers["retry-after"] == "1"
            assert held.json()["error"]["code"] == "startup_in_progress"
        assert (await client.get("/health/live")).status_code == 200
        gate.set()
        await asyncio.wait_for(front._started().wait(), timeout=60)
        assert (await client.get("/api/v1/orgs")).status_code == 401  # built: the API answers
    await lifespan.shutdown()
    stacks = capfd.readouterr().err
    assert stacks.count("slow_build") == 1, stacks  # the stuck thread's stack, logged once


async def test_shutdown_during_the_build_waits_and_stops_the_app(settings: Settings) -> None:
    build, gate = gated(lambda: create_app(settings))
    front = FrontApp(build)
    lifespan = _Lifespan(front)
    await lifespan.startup()
    stopping = asyncio.create_task(lifespan.shutdown())
    await asyncio.sleep(0.05)
    assert not stopping.done()
    gate.set()
    await asyncio.wait_for(stopping, timeout=60)
    assert front.inner is not None  # it was started, then shut down through its lifespan:
    assert front._lifespan is not None and front._lifespan.task is not None
    assert front._lifespan.task.done()


async def test_only_get_is_answered_by_the_front(settings: Settings) -> None:
    front = FrontApp(lambda: create_app(settings))
    lifespan = _Lifespan(front)
    await lifespan.startup()
    async with http(front) as client:
        traced = await client.request("TRACE", "/health/live")
        assert traced.status_code == 405  # the real application's answer, not the front's
        assert "GET" in traced.headers["allow"]
    await lifespan.shutdown()
