"""Every update check is counted: the release served, the package version the device runs,
distinct devices when an identifier exists, and checks that carry none."""

from __future__ import annotations

from fixtures.serving import DEVICE_PATHS, DeviceKit, running_app
from fixtures.signals import distinct_devices, totals

from tradewind.settings import Settings


async def _flushed_totals(kit: DeviceKit) -> dict[tuple[str, int, str], int]:
    await kit.app.ctx.signals.flush()
    return await totals(kit.app.ctx.db, kit.app_id)


async def test_checks_count_served_release_and_running_version(kit: DeviceKit) -> None:
    release = await kit.live(await kit.package())
    for _ in range(3):
        assert (await kit.check(headers={"x-package-version": "1"})).status_code == 200
    assert (await kit.check(toss="device-a", headers={"x-package-version": "2"})).status_code == 200
    r = await kit.check(method="HEAD", toss="device-b")
    assert r.status_code == 200
    etag = r.headers["etag"]
    r = await kit.check(toss="device-a", headers={"if-none-match": etag, "x-package-version": "2"})
    assert r.status_code == 304
    assert await _flushed_totals(kit) == {
        ("check", release, "1"): 3,
        ("check_anonymous", release, "1"): 3,
        ("check", release, "2"): 2,
        ("check", release, ""): 1,
    }
    devices = await distinct_devices(kit.app.ctx.db, kit.app_id)
    assert devices == {(release, "2"): 1.0, (release, ""): 1.0}  # device-a twice, device-b


async def test_no_release_and_unknown_app(kit: DeviceKit) -> None:
    await kit.refresh()
    r = await kit.check(headers={"x-package-version": "0"})
    assert r.status_code == 404
    assert (await kit.client.get("/release/acme/nothing")).status_code == 404
    assert await _flushed_totals(kit) == {("check", 0, "0"): 1, ("check_anonymous", 0, "0"): 1}


async def test_identifier_dimension_identifies_devices(kit: DeviceKit) -> None:
    await kit.dimension("device-id")
    r = await kit.client.patch(
        kit.base, json={"identifier_dimension": "device-id"}, headers=kit.owner.headers
    )
    assert r.status_code == 200, r.text
    baseline = await kit.live(await kit.package())
    rolling = await kit.live(await kit.package(), percentage=50)
    served: dict[int, int] = {}
    for n in range(40):  # each twice: the second answer comes from the memo
        for _ in range(2):
            r = await kit.check(dimensions=f"device-id=d{n};os=android")
            version = int(r.json()["config"]["version"])
            served[version] = served.get(version, 0) + 1
    await kit.check(dimensions="device-id=;os=android")  # empty: anonymous
    counted = await _flushed_totals(kit)
    assert counted[("check", baseline, "")] == served[baseline] + 1
    assert counted[("check", rolling, "")] == served[rolling]
    assert counted[("check_anonymous", baseline, "")] == 1
    assert ("check_anonymous", rolling, "") not in counted
    devices = await distinct_devices(kit.app.ctx.db, kit.app_id)
    assert round(devices[(baseline, "")] + devices[(rolling, "")]) == 40


async def test_long_package_versions_are_cut(kit: DeviceKit) -> None:
    await kit.live(await kit.package())
    await kit.check(headers={"x-package-version": "9" * 300})
    assert {key[2] for key in await _flushed_totals(kit)} == {"9" * 64}


async def test_signals_can_be_switched_off(kit: DeviceKit, settings: Settings) -> None:
    await kit.live(await kit.package())
    async with running_app(settings.model_copy(update={"signals_enabled": False})) as (app, http):
        assert (await http.get(DEVICE_PATHS[0])).status_code == 200
        assert app.ctx.signals.held() == {}
    assert (await kit.check()).status_code == 200
    assert kit.app.ctx.signals.held() != {}


async def test_toss_overrides_the_dimension_when_the_memo_ignores_the_query(
    kit: DeviceKit,
) -> None:
    """Without a rollout the memo is keyed by x-dimension alone; the identifier still follows
    each request's ?toss= (else the dimension), never a memoised request's."""
    await kit.dimension("device-id")
    r = await kit.client.patch(
        kit.base, json={"identifier_dimension": "device-id"}, headers=kit.owner.headers
    )
    assert r.status_code == 200, r.text
    release = await kit.live(await kit.package())
    await kit.check(dimensions="device-id=d1", toss="t")
    await kit.check(dimensions="device-id=d2", toss="t")
    await kit.check(dimensions="device-id=d1")  # memo hit of the first: identifier d1, not t
    await kit.check(dimensions="device-id=d1")
    assert (await _flushed_totals(kit)) == {("check", release, ""): 4}
    devices = await distinct_devices(kit.app.ctx.db, kit.app_id)
    assert round(devices[(release, "")], 6) == 2  # "t" and "d1"


async def test_keys_the_application_does_not_define_are_counted(kit: DeviceKit) -> None:
    """Misspelt or differently cased keys are ignored by targeting: analytics name them."""
    await kit.dimension("os")
    await kit.dimension("device-id")
    await kit.dimension("channel")
    r = await kit.client.patch(
        kit.base,
        json={"identifier_dimension": "device-id", "channel_dimension": "channel"},
        headers=kit.owner.headers,
    )
    assert r.status_code == 200, r.text
    await kit.live(await kit.package())
    for _ in range(3):  # the second and third answers come from the memo
        r = await kit.check(dimensions="os=ios;OS=ios;appVersion=2.0.0;device-id=d1")
        assert r.status_code == 200
    assert (await kit.check(dimensions="os=ios;channel=production")).status_code == 200
    await kit.app.ctx.signals.flush()
    r = await kit.client.get(f"{kit.base}/analytics/adoption", headers=kit.owner.headers)
    assert r.status_code == 200, r.text
    assert r.json()["undefined_keys"] == [
        {"key": "OS", "checks": 3},
        {"key": "appVersion", "checks": 3},
    ]
