"""Saved views: named dimension filters of the release list."""

from __future__ import annotations

from fixtures.serving import DeviceKit
from fixtures.users import UserFactory


async def test_views_filter_the_release_list(kit: DeviceKit, users: UserFactory) -> None:
    await kit.dimension("os")
    await kit.dimension("app_version", "semver")
    v1 = await kit.package()
    everyone = await kit.live(v1)
    android = [{"dimension": "os", "op": "eq", "values": ["android"]}]
    ios_new = [
        {"dimension": "os", "op": "eq", "values": ["ios"]},
        {"dimension": "app_version", "op": "semver", "values": [">=3.0.0"]},
    ]
    a = (await kit.created(package_version=v1, target=android))["id"]
    i = (await kit.created(package_version=v1, target=ios_new))["id"]
    writer = await kit.member(users, "write")
    for name, filters in (
        ("android", {"os": "android"}),
        ("ios-old", {"os": "ios", "app_version": "2.0.0"}),
    ):
        r = await kit.client.put(
            f"{kit.base}/views/{name}", json={"filters": filters}, headers=writer.headers
        )
        assert r.status_code == 200, r.text
    listed = await kit.client.get(f"{kit.base}/views", headers=kit.owner.headers)
    assert [v["name"] for v in listed.json()] == ["android", "ios-old"]

    async def ids(view: str, **params: str) -> list[int]:
        r = await kit.client.get(
            f"{kit.base}/releases", params={"view": view, **params}, headers=kit.owner.headers
        )
        assert r.status_code == 200, r.text
        return [release["id"] for release in r.json()]

    assert await ids("android") == [a, everyone]
    assert await ids("ios-old") == [everyone]
    assert await ids("android", limit="1") == [a]
    r = await kit.client.put(
        f"{kit.base}/views/ios-new",
        json={"filters": {"os": "ios", "app_version": "3.1.0"}},
        headers=writer.headers,
    )
    assert await ids("ios-new") == [i, everyone]
    r = await kit.client.get(
        f"{kit.base}/releases", params={"view": "nope"}, headers=kit.owner.headers
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "view_not_found"
    r = await kit.client.put(
        f"{kit.base}/views/bad", json={"filters": {"country": "in"}}, headers=writer.headers
    )
    assert r.status_code == 400
    assert r.json()["error"]["details"] == {"problem": "unknown_dimension", "dimension": "country"}
    r = await kit.client.delete(f"{kit.base}/views/android", headers=writer.headers)
    assert r.status_code == 204
    reader = await kit.member(users, "read")
    r = await kit.client.put(f"{kit.base}/views/x1", json={"filters": {}}, headers=reader.headers)
    assert r.status_code == 403


async def test_dashboard_release_list_offers_views(kit: DeviceKit) -> None:
    from tradewind.dashboard.security import SESSION_COOKIE

    await kit.dimension("os")
    v1 = await kit.package()
    everyone = await kit.live(v1)
    ios = (
        await kit.created(
            package_version=v1, target=[{"dimension": "os", "op": "eq", "values": ["ios"]}]
        )
    )["id"]
    r = await kit.client.put(
        f"{kit.base}/views/android", json={"filters": {"os": "android"}}, headers=kit.owner.headers
    )
    assert r.status_code == 200
    kit.client.cookies.set(SESSION_COOKIE, kit.owner.token)
    page = await kit.client.get(
        "/dashboard/orgs/acme/apps/shop/releases", params={"view": "android"}
    )
    assert page.status_code == 200
    assert '<option value="android" selected>android: os=android</option>' in page.text
    assert f"/releases/{everyone}" in page.text and f'/releases/{ios}"' not in page.text
    everything = await kit.client.get("/dashboard/orgs/acme/apps/shop/releases")
    assert f"/releases/{ios}" in everything.text
