"""Application members: roles read/write/admin only, managed by app or org admins."""

from __future__ import annotations

from fixtures.members import add_member, error_code, make_org, members_of, members_url
from fixtures.users import UserFactory
from httpx import AsyncClient


async def test_app_member_lifecycle_and_visibility(client: AsyncClient, users: UserFactory) -> None:
    owner, dev, tester = await users.create(), await users.create(), await users.create()
    await make_org(client, owner, "acme", "shop", "admin-console")
    await add_member(client, owner, "acme", dev, "admin", app="shop")
    # An application admin manages that application's members.
    await add_member(client, dev, "acme", tester, "read", app="shop")
    assert await members_of(client, tester, "acme", "shop") == {
        dev.email: "admin",
        tester.email: "read",
    }
    r = await client.patch(
        members_url("acme", "shop") + f"/{tester.email}",
        json={"role": "write"},
        headers=dev.headers,
    )
    assert r.status_code == 200
    assert r.json()["role"] == "write"

    # App-level members see the organisation's app list filtered, not its members or other apps.
    apps = await client.get("/api/v1/orgs/acme/apps", headers=tester.headers)
    assert [a["name"] for a in apps.json()] == ["shop"]
    r = await client.get(members_url("acme"), headers=tester.headers)
    assert r.status_code == 404
    assert error_code(r) == "organisation_not_found"
    r = await client.get(members_url("acme", "admin-console"), headers=dev.headers)
    assert r.status_code == 404
    assert error_code(r) == "application_not_found"
    # ...and cannot add members to the organisation or to another app.
    r = await client.post(
        members_url("acme", "admin-console"),
        json={"email": tester.email, "role": "read"},
        headers=dev.headers,
    )
    assert r.status_code == 404

    r = await client.delete(members_url("acme", "shop") + f"/{tester.email}", headers=dev.headers)
    assert r.status_code == 204
    r = await client.get("/api/v1/orgs/acme/apps/shop", headers=tester.headers)
    assert r.status_code == 404
    assert error_code(r) == "organisation_not_found"

    events = (await client.get("/api/v1/orgs/acme/apps/shop/audit", headers=dev.headers)).json()
    assert [(e["action"], e["object_type"], e["app"]) for e in events["events"][:3]] == [
        ("member.remove", "app_member", "shop"),
        ("member.change_role", "app_member", "shop"),
        ("member.add", "app_member", "shop"),
    ]


async def test_applications_have_no_owners(client: AsyncClient, users: UserFactory) -> None:
    owner, dev = await users.create(), await users.create()
    await make_org(client, owner, "acme", "shop")
    r = await client.post(
        members_url("acme", "shop"),
        json={"email": dev.email, "role": "owner"},
        headers=owner.headers,
    )
    assert r.status_code == 422
    assert error_code(r) == "validation_failed"
    await add_member(client, owner, "acme", dev, "write", app="shop")
    r = await client.patch(
        members_url("acme", "shop") + f"/{dev.email}", json={"role": "owner"}, headers=owner.headers
    )
    assert r.status_code == 422
    assert await members_of(client, owner, "acme", "shop") == {dev.email: "write"}


async def test_app_writers_cannot_manage_members(client: AsyncClient, users: UserFactory) -> None:
    owner, writer, other = await users.create(), await users.create(), await users.create()
    await make_org(client, owner, "acme", "shop")
    await add_member(client, owner, "acme", writer, "write", app="shop")
    # Org-level read does not add up to app admin either.
    await add_member(client, owner, "acme", other, "read")
    for who in (writer, other):
        r = await client.post(
            members_url("acme", "shop"),
            json={"email": owner.email, "role": "read"},
            headers=who.headers,
        )
        assert r.status_code == 403
        assert error_code(r) == "insufficient_role"
    assert await members_of(client, owner, "acme", "shop") == {writer.email: "write"}


async def test_app_member_may_leave(client: AsyncClient, users: UserFactory) -> None:
    owner, dev = await users.create(), await users.create()
    await make_org(client, owner, "acme", "shop")
    await add_member(client, owner, "acme", dev, "read", app="shop")
    r = await client.delete("/api/v1/orgs/acme/apps/shop/membership", headers=dev.headers)
    assert r.status_code == 204
    assert await members_of(client, owner, "acme", "shop") == {}
    # The org owner holds no direct membership of the app: nothing to leave.
    r = await client.delete("/api/v1/orgs/acme/apps/shop/membership", headers=owner.headers)
    assert r.status_code == 404
    assert error_code(r) == "member_not_found"


async def test_effective_role_is_the_higher_of_org_and_app(
    client: AsyncClient, users: UserFactory
) -> None:
    owner, dev = await users.create(), await users.create()
    await make_org(client, owner, "acme", "shop")
    await add_member(client, owner, "acme", dev, "read")
    await add_member(client, owner, "acme", dev, "admin", app="shop")
    r = await client.patch(
        "/api/v1/orgs/acme/apps/shop", json={"display_name": "Shop"}, headers=dev.headers
    )
    assert r.status_code == 200
    r = await client.patch("/api/v1/orgs/acme", json={"display_name": "A"}, headers=dev.headers)
    assert r.status_code == 403
