"""The evaluator: when it pauses, what it records, and that it acts once across processes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fixtures.guards import GuardKit

from tradewind.cli.commands.guards import release_guard_view
from tradewind.guards.evaluator import evaluate_release
from tradewind.models.base import utcnow

STRICT = {"min_sample": 100, "max_failure_rate": 0.02, "max_excess": None}


async def test_trips_on_the_wilson_lower_bound(kit: GuardKit) -> None:
    _, release_id = await kit.staged()
    await kit.put(f"/releases/{release_id}/guard", STRICT)
    await kit.outcomes(release_id, installs=190, failures=10)  # 5%, lower bound ~2.7%
    revision = await kit.releases.revision()

    [step] = await kit.evaluate()

    assert (step.release_id, step.action, step.verdict.reason) == (
        release_id,
        "pause",
        "failure_rate",
    )
    assert (await kit.releases.statuses())[release_id] == "paused"
    assert await kit.releases.revision() > revision  # devices fall back as for any pause
    [event] = await kit.audit("release.pause")
    assert (event.from_state, event.to_state, event.actor_user_id) == (
        "in_progress",
        "paused",
        None,
    )
    assert event.actor_label == "guard"
    figures = event.details["guard"]
    assert event.details["reason"] == "failure_rate"
    assert (figures["trials"], figures["failures"], figures["rate"]) == (200, 10, 0.05)
    assert 0.02 < figures["wilson_low"] < 0.05 < figures["wilson_high"]
    assert figures["max_failure_rate"] == 0.02
    listing = await kit.releases.client.get(
        f"{kit.base}/audit", params={"action": "release.pause"}, headers=kit.releases.owner.headers
    )
    [listed] = listing.json()["events"]
    assert listed["actor"] == "guard"
    assert listed["details"]["guard"] == figures
    shown = await kit.guard_of(release_id)
    assert shown["last_trip"]["reason"] == "failure_rate"
    assert shown["last_trip"]["figures"] == figures
    cli_line = release_guard_view(shown)[-1]  # what `tradewind release guard` prints
    assert isinstance(cli_line, str)
    assert cli_line.startswith("PAUSED BY GUARD") and "10 failures in 200 trials = 5%" in cli_line


async def test_a_high_rate_on_a_small_sample_does_not_trip(kit: GuardKit) -> None:
    _, release_id = await kit.staged()
    await kit.put(f"/releases/{release_id}/guard", STRICT)
    await kit.outcomes(release_id, installs=80, failures=19)  # 99 trials < min_sample
    assert await kit.evaluate() == []
    await kit.outcomes(release_id, installs=0, failures=1)  # now 100 trials
    assert [s.action for s in await kit.evaluate()] == ["pause"]


async def test_an_uncertain_rate_above_the_limit_does_not_trip(kit: GuardKit) -> None:
    """3% observed over 100 trials: above 2%, but the lower bound (~1%) is not."""
    _, release_id = await kit.staged()
    await kit.put(f"/releases/{release_id}/guard", STRICT)
    await kit.outcomes(release_id, installs=97, failures=3)
    assert await kit.evaluate() == []
    assert (await kit.releases.statuses())[release_id] == "in_progress"


async def test_trips_on_the_excess_over_the_baseline(kit: GuardKit) -> None:
    baseline_id, release_id = await kit.staged()
    await kit.put("/guard", {"min_sample": 100, "max_failure_rate": 0.5, "max_excess": 0.01})
    await kit.outcomes(baseline_id, installs=995, failures=5)  # 0.5%
    await kit.outcomes(release_id, installs=950, failures=50)  # 5%

    [step] = await kit.evaluate()

    assert step.verdict.reason == "excess_over_baseline"
    [event] = await kit.audit("release.pause")
    figures = event.details["guard"]
    assert figures["baseline_release_id"] == baseline_id
    assert figures["baseline_rate"] == 0.005
    assert figures["excess"] > 0.01
    assert (await kit.guard_of(release_id))["source"] == "app"


async def test_no_excess_check_without_a_big_enough_baseline(kit: GuardKit) -> None:
    baseline_id, release_id = await kit.staged()
    await kit.put("/guard", {"min_sample": 100, "max_failure_rate": 0.5, "max_excess": 0.01})
    await kit.outcomes(baseline_id, installs=50, failures=0)  # under min_sample
    await kit.outcomes(release_id, installs=950, failures=50)
    assert await kit.evaluate() == []


async def test_releases_without_a_guard_are_left_alone(kit: GuardKit) -> None:
    _, release_id = await kit.staged()
    await kit.outcomes(release_id, installs=0, failures=500)
    assert await kit.evaluate() == []
    assert (await kit.releases.statuses())[release_id] == "in_progress"


async def test_concurrent_evaluators_pause_and_audit_once(kit: GuardKit) -> None:
    _, release_id = await kit.staged()
    await kit.put(f"/releases/{release_id}/guard", STRICT)
    await kit.outcomes(release_id, installs=100, failures=100)
    db = kit.releases.app.ctx.db
    app_id = kit.releases.app_id

    async def evaluator() -> object:
        async with db.unit_of_work() as session:
            return await evaluate_release(session, app_id, release_id, utcnow())

    results = await asyncio.gather(*(evaluator() for _ in range(4)))

    assert sum(result is not None for result in results) == 1
    assert len(await kit.audit("release.pause")) == 1
    assert await kit.evaluate() == []  # already paused: nothing more to do


async def test_a_resumed_release_that_is_still_bad_is_paused_again(kit: GuardKit) -> None:
    _, release_id = await kit.staged()
    await kit.put(f"/releases/{release_id}/guard", STRICT)
    await kit.outcomes(release_id, installs=100, failures=100)
    assert [s.action for s in await kit.evaluate()] == ["pause"]
    assert (await kit.releases.act(release_id, "resume")).status_code == 200
    assert [s.action for s in await kit.evaluate()] == ["pause"]
    assert len(await kit.audit("release.pause")) == 2


async def test_scheduled_ramp_while_healthy(kit: GuardKit) -> None:
    _, release_id = await kit.staged(percentage=1)
    schedule = {"ramp_steps": [1, 10, 50, 100], "ramp_interval_seconds": 3600}
    await kit.put(f"/releases/{release_id}/guard", {**STRICT, **schedule})
    await kit.outcomes(release_id, installs=99, failures=0)
    later = utcnow() + timedelta(hours=2)
    assert await kit.evaluate(later) == []  # healthy, but under min_sample
    await kit.outcomes(release_id, installs=1, failures=0)
    assert await kit.evaluate(utcnow()) == []  # enough data, but the interval has not passed

    [step] = await kit.evaluate(later)

    assert (step.action, step.percentage) == ("ramp", 10)
    assert (await kit.releases.show(release_id))["percentage"] == 10
    ramps = await kit.audit("release.ramp")
    assert ramps[-1].actor_label == "guard"
    assert ramps[-1].details["reason"] == "scheduled_ramp"
    # The clock restarts at the (real-time) ramp event.
    assert await kit.evaluate(utcnow() + timedelta(minutes=30)) == []
    [step] = await kit.evaluate(utcnow() + timedelta(hours=2))
    assert step.percentage == 50
    assert (await kit.guard_of(release_id))["next_ramp_step"] == 100


async def test_a_bad_release_is_paused_not_ramped(kit: GuardKit) -> None:
    _, release_id = await kit.staged(percentage=1)
    schedule = {"ramp_steps": [1, 10], "ramp_interval_seconds": 60}
    await kit.put(f"/releases/{release_id}/guard", {**STRICT, **schedule})
    await kit.outcomes(release_id, installs=100, failures=100)
    [step] = await kit.evaluate(utcnow() + timedelta(hours=1))
    assert step.action == "pause"
    assert (await kit.releases.show(release_id))["percentage"] == 1
