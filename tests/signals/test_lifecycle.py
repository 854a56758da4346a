"""The shutdown flush writes what the flush loop has not; the rate limiter refills."""

from __future__ import annotations

from fixtures.serving import DEVICE_PATHS, DeviceKit, running_app
from fixtures.signals import totals

from tradewind.settings import Settings
from tradewind.signals.ratelimit import TokenBuckets


async def test_shutdown_flushes_what_is_held(kit: DeviceKit, settings: Settings) -> None:
    release = await kit.live(await kit.package())
    slow = settings.model_copy(update={"signals_flush_interval_seconds": 300})
    async with running_app(slow) as (_, http):
        for n in range(25):
            r = await http.get(DEVICE_PATHS[n % 3], headers={"x-package-version": "7"})
            assert r.status_code == 200
        assert await totals(kit.app.ctx.db, kit.app_id) == {}  # nothing flushed yet
    assert await totals(kit.app.ctx.db, kit.app_id) == {
        ("check", release, "7"): 25,
        ("check_anonymous", release, "7"): 25,
    }


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_buckets_refill_per_client() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == 0.5  # one token takes half a second at 2/s
    assert buckets.take("b") == 0.0  # other clients have their own bucket
    clock.now += 0.5
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    clock.now += 60
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]  # never above the burst
    assert buckets.take("a") > 0
