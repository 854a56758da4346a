"""Which release a device gets: x-dimension spellings, ?toss= and the identifier dimension."""

from __future__ import annotations

from fixtures.serving import DeviceKit, android, ios

from tradewind.targeting.bucket import bucket


async def _config_version(kit: DeviceKit, **check: object) -> str | None:
    r = await kit.check(**check)  # type: ignore[arg-type]
    if r.status_code == 404:
        assert r.headers["x-tradewind-error"] == "no_release"
        return None
    assert r.status_code == 200, r.text
    version: str = r.json()["config"]["version"]
    return version


async def test_android_and_ios_spellings_give_the_same_answer(kit: DeviceKit) -> None:
    await kit.dimension("os", position=0)
    await kit.dimension("app-version", "semver", position=1)
    await kit.dimension("country", position=2)
    baseline = await kit.live(await kit.package())
    in_ = await kit.live(
        await kit.package(),
        target=[{"dimension": "country", "op": "in", "values": ["in", "lk"]}],
    )
    new_ios = await kit.live(
        await kit.package(),
        target=[
            {"dimension": "os", "op": "eq", "values": ["ios"]},
            {"dimension": "app-version", "op": "semver", "values": [">=2.0.0"]},
        ],
    )
    cases = [
        ({}, baseline),
        ({"os": "android", "app-version": "2.1.0"}, baseline),
        ({"os": "ios", "app-version": "1.9.9"}, baseline),
        ({"os": "ios", "app-version": "2.0.0"}, new_ios),
        ({"os": "ios", "app-version": "3.1.4", "country": "de"}, new_ios),
        ({"os": "ios", "app-version": "3.1.4", "country": "in"}, in_),  # country weighs more
        ({"country": "lk", "os": "android"}, in_),
    ]
    for context, expected in cases:
        spellings = {
            android(context),
            ios(context),
            ";".join(f" {k} = {v} " for k, v in context.items()),  # spaces are trimmed
            ";;" + ";".join(f"{k}={v}" for k, v in context.items()) + ";;",
        }
        for spelling in spellings:
            got = await _config_version(kit, dimensions=spelling)
            assert got == str(expected), (context, spelling)


async def test_x_dimension_parsing_edge_cases(kit: DeviceKit) -> None:
    await kit.dimension("os")
    await kit.dimension("token")
    baseline = await kit.live(await kit.package())
    ios_release = await kit.live(
        await kit.package(), target=[{"dimension": "os", "op": "eq", "values": ["ios"]}]
    )
    token = await kit.live(
        await kit.package(), target=[{"dimension": "token", "op": "eq", "values": ["a=b"]}]
    )
    cases = {
        "os=ios": ios_release,
        "os": baseline,  # no "=": carries nothing
        "=ios": baseline,  # empty key
        "os=": baseline,
        "os=android;os=ios": ios_release,  # the last value of a repeated key wins
        "token=a=b": token,  # split at the first "=" only
        "OS=ios": baseline,  # keys are case-sensitive
        "os=IOS": baseline,
    }
    for header, expected in cases.items():
        assert await _config_version(kit, dimensions=header) == str(expected), header
    # Without any x-dimension header (iOS with an empty context): the baseline.
    assert await _config_version(kit) == str(baseline)


async def test_toss_buckets_devices_into_a_rollout(kit: DeviceKit) -> None:
    baseline = await kit.live(await kit.package())
    rolling = await kit.live(await kit.package(), percentage=30)
    served = {}
    for n in range(120):
        device = f"device-{n}"
        expected = rolling if bucket(str(rolling), device) < 3000 else baseline
        got = await _config_version(kit, toss=device)
        assert got == str(expected), device
        served[device] = got
    assert 10 < sum(v == str(rolling) for v in served.values()) < 70
    # Without an identifier a device stays on the baseline.
    assert await _config_version(kit) == str(baseline)
    assert await _config_version(kit, toss="") == str(baseline)
    # Raising the percentage only adds devices.
    r = await kit.act(rolling, "ramp", json={"percentage": 60})
    assert r.status_code == 200, r.text
    await kit.refresh()
    for device, before in served.items():
        after = await _config_version(kit, toss=device)
        if before == str(rolling):
            assert after == str(rolling), device


async def test_toss_is_url_decoded(kit: DeviceKit) -> None:
    baseline = await kit.live(await kit.package())
    rolling = await kit.live(await kit.package(), percentage=50)
    for device in ["a b", "ü/ö?&=", "x+y"]:
        expected = rolling if bucket(str(rolling), device) < 5000 else baseline
        assert await _config_version(kit, toss=device) == str(expected), device


async def test_identifier_dimension_and_toss(kit: DeviceKit) -> None:
    await kit.dimension("device-id")
    await kit.dimension("os")
    r = await kit.client.patch(
        f"{kit.base}", json={"identifier_dimension": "device-id"}, headers=kit.owner.headers
    )
    assert r.status_code == 200, r.text
    baseline = await kit.live(await kit.package())
    rolling = await kit.live(await kit.package(), percentage=50)
    inside = next(f"d{n}" for n in range(1000) if bucket(str(rolling), f"d{n}") < 5000)
    outside = next(f"d{n}" for n in range(1000) if bucket(str(rolling), f"d{n}") >= 5000)
    ctx = "device-id={};os=android"
    assert await _config_version(kit, dimensions=ctx.format(inside)) == str(rolling)
    assert await _config_version(kit, dimensions=ctx.format(outside)) == str(baseline)
    assert await _config_version(kit, dimensions=ios({"os": "x", "device-id": inside})) == str(
        rolling
    )
    # ?toss= takes precedence over the identifier dimension.
    got = await _config_version(kit, dimensions=ctx.format(inside), toss=outside)
    assert got == str(baseline)
    got = await _config_version(kit, dimensions=ctx.format(outside), toss=inside)
    assert got == str(rolling)
    # Nothing identifies the device: baseline.
    assert await _config_version(kit, dimensions="os=android") == str(baseline)
    assert await _config_version(kit, dimensions="device-id=;os=android") == str(baseline)


async def test_paused_rollout_serves_the_baseline(kit: DeviceKit) -> None:
    baseline = await kit.live(await kit.package())
    rolling = await kit.live(await kit.package(), percentage=100)
    assert await _config_version(kit, toss="anyone") == str(rolling)
    assert (await kit.act(rolling, "pause")).status_code == 200
    await kit.refresh()
    assert await _config_version(kit, toss="anyone") == str(baseline)
    assert (await kit.act(rolling, "resume")).status_code == 200
    assert (await kit.act(rolling, "conclude")).status_code == 200
    await kit.refresh()
    assert await _config_version(kit) == str(rolling)


async def test_rollback_reaches_devices_with_a_lower_package_version(kit: DeviceKit) -> None:
    first = await kit.live(await kit.package())
    await kit.live(await kit.package())
    assert (await kit.check()).json()["package"]["version"] == "2"
    r = await kit.act(first, "rollback")
    assert r.status_code == 201, r.text
    await kit.refresh()
    doc = (await kit.check()).json()
    assert doc["package"]["version"] == "1"
    assert doc["config"]["version"] == str(r.json()["id"])


async def test_camel_case_and_dotted_keys_are_targeted_case_sensitively(kit: DeviceKit) -> None:
    await kit.dimension("appVersion", "semver", position=0)
    await kit.dimension("device.model", position=1)
    baseline = await kit.live(await kit.package())
    new = await kit.live(
        await kit.package(),
        target=[
            {"dimension": "appVersion", "op": "semver", "values": [">=2.0.0"]},
            {"dimension": "device.model", "op": "eq", "values": ["Pixel 8"]},
        ],
    )
    context = {"appVersion": "2.1.0", "device.model": "Pixel 8"}
    for spelling in (android(context), ios(context)):
        assert await _config_version(kit, dimensions=spelling) == str(new)
    # Keys are case-sensitive: `appversion` is another (undefined) dimension.
    other = {"appversion": "2.1.0", "device.model": "Pixel 8"}
    assert await _config_version(kit, dimensions=android(other)) == str(baseline)
