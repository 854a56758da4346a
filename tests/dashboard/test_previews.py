"""Previews say what devices really get: with overlapping targets the dashboard's "others get"
and confirmations agree with the resolver and with real device checks (in-process)."""

from __future__ import annotations

import itertools
import re

import pytest
from fixtures.serving import DeviceKit, android, device_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp
from tradewind.dashboard.audiences import Share, shares_for
from tradewind.dashboard.security import SESSION_COOKIE
from tradewind.releases.content import conditions_of
from tradewind.releases.live import load_live_state
from tradewind.targeting.conditions import CompiledCondition


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> DeviceKit:
    return await device_kit(app, client, users)


async def overlapping(kit: DeviceKit) -> dict[str, int]:
    """A catch-all, release A for Android, and B rolling out to 1.x on Android or iOS."""
    await kit.dimension("os", position=0)
    await kit.dimension("app_version", "semver", position=1)
    ids = {"all": await kit.live(await kit.package())}
    android_only = [{"dimension": "os", "op": "eq", "values": ["android"]}]
    ids["a"] = await kit.live(await kit.package(), target=android_only)
    ids["b"] = await kit.live(
        await kit.package(),
        target=[
            {"dimension": "app_version", "op": "semver", "values": [">=1.2.0 <2.0.0"]},
            {"dimension": "os", "op": "in", "values": ["android", "ios"]},
        ],
        percentage=10,
    )
    return ids


def chosen(shares: list[Share], context: dict[str, str]) -> int | None:
    for share in shares:
        if all(CompiledCondition(c).matches(context) for c in share.also):
            return None if share.offer is None else share.offer.release_id
    raise AssertionError("the last share always applies")


async def b_shares(kit: DeviceKit, ids: dict[str, int]) -> list[Share]:
    async with kit.app.ctx.db.sessions() as session:
        state = await load_live_state(session, kit.app_id)
    target = conditions_of(state.releases[ids["b"]].release.target)
    return shares_for(state, "production", target, ids["b"])


async def test_shares_split_the_audience_like_the_device_path(kit: DeviceKit) -> None:
    ids = await overlapping(kit)
    shares = await b_shares(kit, ids)
    assert [(s.offer.release_id if s.offer else None) for s in shares] == [ids["a"], ids["all"]]
    # Every device of B's audience without an identifier: the preview's pick is the device's.
    for os, version in itertools.product(["android", "ios"], ["1.2.0", "1.5.3", "1.99.0"]):
        context = {"os": os, "app_version": version}
        r = await kit.check(dimensions=android(context))
        assert r.status_code == 200
        served = r.json()["package"]["version"]
        expected = chosen(shares, context)
        assert expected is not None
        assert served == str(await package_of(kit, expected)), context


async def package_of(kit: DeviceKit, release_id: int) -> int:
    r = await kit.client.get(f"{kit.base}/releases/{release_id}", headers=kit.owner.headers)
    version: int = r.json()["package"]["version"]
    return version


async def test_release_page_and_confirmations_name_each_share(kit: DeviceKit) -> None:
    ids = await overlapping(kit)
    kit.client.cookies.set(SESSION_COOKIE, kit.owner.token)
    page = f"/dashboard/orgs/acme/apps/shop/releases/{ids['b']}"
    html = (await kit.client.get(page)).text
    others = re.sub(r"\s+", " ", html[html.index('class="others"') :][:1200])
    link = '<a href="/dashboard/orgs/acme/apps/shop/releases/{}">'.format
    assert f"those matching os = android: {link(ids['a'])}" in others
    assert f'the others: <a href="/dashboard/orgs/acme/apps/shop/releases/{ids["all"]}">' in others
    preview = (await kit.client.get(f"{page}/confirm/pause")).text
    assert (
        f"go back to release {ids['a']} (package {await package_of(kit, ids['a'])}) if they "
        f"match os = android; release {ids['all']} (package {await package_of(kit, ids['all'])})"
        " otherwise"
    ) in preview


async def test_release_page_says_how_rollouts_pick_devices(kit: DeviceKit) -> None:
    ids = await overlapping(kit)
    kit.client.cookies.set(SESSION_COOKIE, kit.owner.token)
    page = f"/dashboard/orgs/acme/apps/shop/releases/{ids['b']}"
    html = (await kit.client.get(page)).text
    assert '<details class="rollout-help" id="rollout-help" open>' in html
    assert "no identifier is never inside a rollout" in html
    assert 'hashMapOf("device_id" to installId)' in html and "?toss=&lt;installId&gt;" in html
    r = await kit.client.patch(
        kit.base, json={"identifier_dimension": "installId"}, headers=kit.owner.headers
    )
    assert r.status_code == 200, r.text
    html = (await kit.client.get(page)).text
    assert '<details class="rollout-help" id="rollout-help">' in html  # closed: all is set
    assert '["installId": installId]' in html
    concluded = (await kit.client.get(page.replace(str(ids["b"]), str(ids["a"])))).text
    assert "rollout-help" not in concluded
