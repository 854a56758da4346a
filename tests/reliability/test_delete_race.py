"""Deleting an organisation and one of its applications at once never answers 5xx (finding 5)."""

from __future__ import annotations

import asyncio

import pytest
from fixtures.users import UserFactory
from httpx import AsyncClient
from sqlalchemy import delete, select

from tradewind.app import TradewindApp
from tradewind.errors import Conflict
from tradewind.models import Application
from tradewind.releases import repository as releases_repo

ROUNDS = 15


async def test_org_and_app_deleted_at_once(client: AsyncClient, users: UserFactory) -> None:
    owner = await users.create()
    for n in range(ROUNDS):
        org = f"org{n}"
        r = await client.post("/api/v1/orgs", json={"name": org}, headers=owner.headers)
        assert r.status_code == 201, r.text
        r = await client.post(
            f"/api/v1/orgs/{org}/apps", json={"name": "shop"}, headers=owner.headers
        )
        assert r.status_code == 201, r.text
        org_gone, app_gone = await asyncio.gather(
            client.delete(f"/api/v1/orgs/{org}", headers=owner.headers),
            client.delete(f"/api/v1/orgs/{org}/apps/shop", headers=owner.headers),
        )
        assert org_gone.status_code == 204, org_gone.text
        assert app_gone.status_code in (204, 404, 409), app_gone.text
        r = await client.get(f"/api/v1/orgs/{org}", headers=owner.headers)
        assert r.status_code == 404


async def test_release_edit_on_an_application_deleted_meanwhile_is_a_conflict(
    app: TradewindApp, client: AsyncClient, users: UserFactory
) -> None:
    """The request resolved the application, then another request deleted it before the
    release write took its lock: a 409, never a 500 (seen once by the CI fuzzer)."""
    owner = await users.create()
    await client.post("/api/v1/orgs", json={"name": "acme"}, headers=owner.headers)
    await client.post("/api/v1/orgs/acme/apps", json={"name": "shop"}, headers=owner.headers)
    async with app.ctx.db.sessions() as session:
        app_id = await session.scalar(select(Application.id).where(Application.name == "shop"))
    assert app_id is not None
    async with app.ctx.db.sessions() as session:
        await session.execute(delete(Application).where(Application.id == app_id))
        await session.commit()
    async with app.ctx.db.sessions() as session:
        with pytest.raises(Conflict) as caught:
            await releases_repo.lock_app(session, app_id)
    assert caught.value.code == "concurrent_change"
