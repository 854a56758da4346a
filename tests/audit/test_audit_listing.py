"""Reading the audit trail: newest first, paged by id, filtered, scoped to org or app."""

from __future__ import annotations

from fixtures.members import add_member, error_code, make_org
from fixtures.users import UserFactory
from httpx import AsyncClient


async def test_pages_newest_first(client: AsyncClient, users: UserFactory) -> None:
    owner = await users.create()
    await make_org(client, owner, "acme", "shop")
    for n in range(5):
        r = await client.patch(
            "/api/v1/orgs/acme", json={"display_name": f"Acme {n}"}, headers=owner.headers
        )
        assert r.status_code == 200
    url = "/api/v1/orgs/acme/audit"
    full = (await client.get(url, headers=owner.headers)).json()
    actions = [e["action"] for e in full["events"]]
    # Creating an application also adds its CodePush deployments (Staging, Production).
    assert actions == ["org.update"] * 5 + ["codepush.deployment.add"] * 2 + [
        "app.create",
        "org.create",
    ]
    assert full["next_before"] is None
    ids = [e["id"] for e in full["events"]]
    assert ids == sorted(ids, reverse=True)

    seen: list[int] = []
    before: int | None = None
    while True:
        params = {"limit": 3} | ({"before": before} if before else {})
        page = (await client.get(url, params=params, headers=owner.headers)).json()
        seen += [e["id"] for e in page["events"]]
        before = page["next_before"]
        if before is None:
            break
    assert seen == ids

    shop = next(e for e in full["events"] if e["action"] == "app.create")
    assert (shop["app"], shop["object_type"], shop["actor"]) == ("shop", "application", owner.email)


async def test_filters(client: AsyncClient, users: UserFactory) -> None:
    owner, bob = await users.create(), await users.create()
    await make_org(client, owner, "acme", "shop")
    await add_member(client, owner, "acme", bob, "read")
    url = "/api/v1/orgs/acme/audit"
    by_action = await client.get(url, params={"action": "member.add"}, headers=owner.headers)
    assert [e["details"]["email"] for e in by_action.json()["events"]] == [bob.email]
    by_type = await client.get(url, params={"object_type": "application"}, headers=owner.headers)
    assert [e["action"] for e in by_type.json()["events"]] == ["app.create"]
    none = await client.get(url, params={"action": "nothing.happened"}, headers=owner.headers)
    assert none.json() == {"events": [], "next_before": None}


async def test_app_audit_is_scoped(client: AsyncClient, users: UserFactory) -> None:
    owner, dev = await users.create(), await users.create()
    await make_org(client, owner, "acme", "shop", "blog")
    await add_member(client, owner, "acme", dev, "read", app="shop")
    r = await client.get("/api/v1/orgs/acme/apps/shop/audit", headers=dev.headers)
    assert r.status_code == 200
    assert [(e["action"], e["app"]) for e in r.json()["events"]] == [
        ("member.add", "shop"),
        ("codepush.deployment.add", "shop"),
        ("codepush.deployment.add", "shop"),
        ("app.create", "shop"),
    ]
    r = await client.get("/api/v1/orgs/acme/audit", headers=dev.headers)
    assert r.status_code == 404
    assert error_code(r) == "organisation_not_found"
    r = await client.get("/api/v1/orgs/acme/apps/blog/audit", headers=dev.headers)
    assert r.status_code == 404
    assert error_code(r) == "application_not_found"


async def test_bad_parameters(client: AsyncClient, users: UserFactory) -> None:
    owner = await users.create()
    await make_org(client, owner, "acme")
    for params in (
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"before": 0},
        {"action": "a" * 51},
    ):
        r = await client.get("/api/v1/orgs/acme/audit", params=params, headers=owner.headers)
        assert r.status_code == 422, params
        assert error_code(r) == "validation_failed"
    r = await client.get("/api/v1/orgs/acme/audit", params={"limit": 200}, headers=owner.headers)
    assert r.status_code == 200
