"""Organisations and applications: CRUD, slugs, uniqueness, and visibility."""

from __future__ import annotations

from fixtures.users import UserFactory
from httpx import AsyncClient


async def test_org_and_app_lifecycle(client: AsyncClient, users: UserFactory) -> None:
    alice = await users.create()
    r = await client.post(
        "/api/v1/orgs", json={"name": "acme", "display_name": "Acme"}, headers=alice.headers
    )
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/orgs/acme/apps", json={"name": "shop"}, headers=alice.headers)
    assert r.status_code == 201, r.text
    assert r.json()["display_name"] == "shop"
    listed = await client.get("/api/v1/orgs/acme/apps", headers=alice.headers)
    assert [a["name"] for a in listed.json()] == ["shop"]
    dup = await client.post("/api/v1/orgs/acme/apps", json={"name": "shop"}, headers=alice.headers)
    assert dup.status_code == 409
    assert dup.json()["error"]["code"] == "application_exists"
    assert (await client.delete("/api/v1/orgs/acme", headers=alice.headers)).status_code == 204
    gone = await client.get("/api/v1/orgs/acme/apps/shop", headers=alice.headers)
    assert gone.status_code == 404


async def test_invalid_slugs_rejected(client: AsyncClient, users: UserFactory) -> None:
    alice = await users.create()
    for bad in ["A", "a", "-abc", "abc-", "has space", "UPPER", "x" * 64, "a_b", ""]:
        r = await client.post("/api/v1/orgs", json={"name": bad}, headers=alice.headers)
        assert r.status_code == 422, bad
        assert r.json()["error"]["code"] == "validation_failed"


async def test_outsiders_get_404_not_403(client: AsyncClient, users: UserFactory) -> None:
    alice, eve = await users.create(), await users.create()
    await client.post("/api/v1/orgs", json={"name": "acme"}, headers=alice.headers)
    r = await client.get("/api/v1/orgs/acme", headers=eve.headers)
    missing = await client.get("/api/v1/orgs/nope", headers=eve.headers)
    assert r.status_code == missing.status_code == 404
    assert r.json() == {
        "error": {
            "code": "organisation_not_found",
            "message": "organisation 'acme' not found",
            "details": {},
        }
    }
    assert (await client.get("/api/v1/orgs", headers=eve.headers)).json() == []
