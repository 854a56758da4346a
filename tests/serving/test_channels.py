"""Channels on the Airborne path: the application's channel dimension picks the channel."""

from __future__ import annotations

from fixtures.serving import DeviceKit, android, ios


async def served(kit: DeviceKit, context: dict[str, str]) -> int | None:
    answers = set()
    for spelling in (android(context), ios(context)):
        r = await kit.check(dimensions=spelling)
        if r.status_code == 404:
            assert r.headers["x-tradewind-error"] == "no_release"
            answers.add(None)
        else:
            assert r.status_code == 200, r.text
            answers.add(r.json()["package"]["version"])
    assert len(answers) == 1, answers  # both SDK spellings agree
    return answers.pop()


async def set_channel_dimension(kit: DeviceKit, name: str | None) -> None:
    r = await kit.client.patch(
        kit.base, json={"channel_dimension": name}, headers=kit.owner.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["channel_dimension"] == name
    await kit.refresh()


async def test_a_beta_channel_is_reachable_through_the_channel_dimension(kit: DeviceKit) -> None:
    await kit.dimension("os")
    await kit.dimension("channel")
    production = await kit.package()
    await kit.live(production)
    beta = await kit.package()
    await kit.live(beta, channel="beta")
    # Without a channel dimension Airborne devices follow production whatever they send.
    assert await served(kit, {"channel": "beta"}) == str(production)
    await set_channel_dimension(kit, "channel")
    assert await served(kit, {"channel": "beta", "os": "ios"}) == str(beta)
    assert await served(kit, {"os": "ios"}) == str(production)
    assert await served(kit, {"channel": ""}) == str(production)  # empty: the default
    assert await served(kit, {"channel": "nightly"}) is None  # nothing live there
    assert await served(kit, {"channel": "Beta"}) is None  # channel names are exact
    explained = await kit.client.post(
        f"{kit.base}/releases/explain",
        json={"context": {"channel": "beta"}},
        headers=kit.owner.headers,
    )
    assert explained.json()["channel"] == "beta"
    await set_channel_dimension(kit, None)
    assert await served(kit, {"channel": "beta"}) == str(production)


async def test_channel_dimension_is_validated_and_audited(kit: DeviceKit) -> None:
    r = await kit.client.patch(
        kit.base, json={"channel_dimension": "a;b"}, headers=kit.owner.headers
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_failed"
    r = await kit.client.post(
        "/api/v1/orgs/acme/apps",
        json={"name": "other", "channel_dimension": "releaseChannel"},
        headers=kit.owner.headers,
    )
    assert r.status_code == 201 and r.json()["channel_dimension"] == "releaseChannel"
