"""The dashboard warns about a release no device can reach, and sets the channel dimension."""

from __future__ import annotations

import pytest
from fixtures.dashboard import csrf_of
from fixtures.serving import DeviceKit, device_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp
from tradewind.dashboard.security import SESSION_COOKIE


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> DeviceKit:
    kit = await device_kit(app, client, users)
    kit.client.cookies.set(SESSION_COOKIE, kit.owner.token)
    return kit


async def test_unreachable_channel_is_flagged_until_a_channel_dimension_exists(
    kit: DeviceKit,
) -> None:
    await kit.dimension("channel")
    beta = await kit.live(await kit.package(), channel="beta")
    page = f"/dashboard/orgs/acme/apps/shop/releases/{beta}"
    assert 'id="unreachable-channel"' in (await kit.client.get(page)).text
    settings = "/dashboard/orgs/acme/apps/shop/settings"
    form = {"display_name": "Shop", "identifier_dimension": "", "channel_dimension": "channel"}
    token = csrf_of((await kit.client.get(settings)).text)
    saved = await kit.client.post(settings, data=form | {"csrf_token": token})
    assert saved.status_code == 303
    app = await kit.client.get(kit.base, headers=kit.owner.headers)
    assert app.json()["channel_dimension"] == "channel"
    assert 'id="unreachable-channel"' not in (await kit.client.get(page)).text
    bad = await kit.client.post(
        settings, data=form | {"channel_dimension": "a=b", "csrf_token": token}
    )
    assert bad.status_code == 422
    assert (await kit.client.get(kit.base, headers=kit.owner.headers)).json()[
        "channel_dimension"
    ] == "channel"
