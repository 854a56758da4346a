"""The application settings page shows the ingest key; admins rotate it and allow keyless."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fixtures.dashboard import csrf_of
from fixtures.serving import DeviceKit
from fixtures.users import DEFAULT_PASSWORD, SignedIn, UserFactory
from httpx import ASGITransport, AsyncClient

SETTINGS = "/dashboard/orgs/acme/apps/shop/settings"


@asynccontextmanager
async def browser_of(kit: DeviceKit, user: SignedIn) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=kit.app, client=("127.0.0.1", 50001))
    async with AsyncClient(transport=transport, base_url="http://testserver") as browser:
        page = await browser.get("/dashboard/login")
        data = {"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_of(page.text)}
        assert (await browser.post("/dashboard/login", data=data)).status_code == 303
        yield browser


async def current_key(kit: DeviceKit) -> tuple[str, bool]:
    app = (await kit.client.get(kit.base, headers=kit.owner.headers)).json()
    return app["ingest_key"], app["ingest_keyless"]


async def test_admin_rotates_and_allows_keyless(kit: DeviceKit) -> None:
    key, _ = await current_key(kit)
    async with browser_of(kit, kit.owner) as browser:
        page = await browser.get(SETTINGS)
        assert page.status_code == 200
        assert key in page.text
        token = csrf_of(page.text)
        r = await browser.post(f"{SETTINGS[:-9]}/ingest/rotate", data={"csrf_token": token})
        assert r.status_code == 303
        new_key, keyless = await current_key(kit)
        assert new_key != key and not keyless
        assert new_key in (await browser.get(SETTINGS)).text
        data = {"csrf_token": token, "keyless": "on"}
        assert (await browser.post(f"{SETTINGS[:-9]}/ingest/keyless", data=data)).status_code == 303
        assert (await current_key(kit))[1] is True
        data = {"csrf_token": token}
        assert (await browser.post(f"{SETTINGS[:-9]}/ingest/keyless", data=data)).status_code == 303
        assert (await current_key(kit))[1] is False
        r = await browser.post(f"{SETTINGS[:-9]}/ingest/rotate", data={})
        assert r.status_code == 403  # no CSRF token
        assert (await current_key(kit))[0] == new_key


async def test_readers_see_the_key_but_cannot_change_it(kit: DeviceKit, users: UserFactory) -> None:
    reader = await kit.member(users, "read")
    key, _ = await current_key(kit)
    async with browser_of(kit, reader) as browser:
        page = await browser.get(SETTINGS)
        assert key in page.text
        assert "/ingest/rotate" not in page.text
        data = {"csrf_token": csrf_of(page.text)}
        r = await browser.post(f"{SETTINGS[:-9]}/ingest/rotate", data=data)
        assert r.status_code == 403
    assert (await current_key(kit))[0] == key
