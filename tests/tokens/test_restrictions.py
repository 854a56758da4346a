"""Restricted tokens: limited to an org or app and a maximum role, never above the owner."""

from __future__ import annotations

from fixtures.members import add_member, error_code, make_org, members_url
from fixtures.tokens import bearer, create_token
from fixtures.users import UserFactory
from httpx import AsyncClient


async def test_org_restricted_read_token(client: AsyncClient, users: UserFactory) -> None:
    owner = await users.create()
    await make_org(client, owner, "acme", "shop")
    await make_org(client, owner, "other")
    secret, body = await create_token(client, owner, org="acme", max_role="read")
    assert (body["org"], body["app"], body["max_role"]) == ("acme", None, "read")
    token = bearer(secret)
    assert (await client.get("/api/v1/orgs/acme", headers=token)).status_code == 200
    assert (await client.get("/api/v1/orgs/acme/apps/shop", headers=token)).status_code == 200
    r = await client.patch("/api/v1/orgs/acme", json={"display_name": "X"}, headers=token)
    assert r.status_code == 403
    assert r.json()["error"]["details"] == {"needed": "admin", "have": "read"}
    r = await client.get("/api/v1/orgs/other", headers=token)
    assert r.status_code == 404
    assert error_code(r) == "organisation_not_found"
    orgs = (await client.get("/api/v1/orgs", headers=token)).json()
    assert [o["name"] for o in orgs] == ["acme"]
    r = await client.post("/api/v1/orgs", json={"name": "newco"}, headers=token)
    assert r.status_code == 403


async def test_app_restricted_token(client: AsyncClient, users: UserFactory) -> None:
    owner = await users.create()
    await make_org(client, owner, "acme", "shop", "blog")
    secret, body = await create_token(client, owner, org="acme", app="shop", max_role="write")
    assert (body["org"], body["app"]) == ("acme", "shop")
    token = bearer(secret)
    assert [
        a["name"] for a in (await client.get("/api/v1/orgs/acme/apps", headers=token)).json()
    ] == ["shop"]
    assert (await client.get("/api/v1/orgs/acme/apps/shop", headers=token)).status_code == 200
    r = await client.get("/api/v1/orgs/acme/apps/blog", headers=token)
    assert r.status_code == 404
    assert error_code(r) == "application_not_found"
    r = await client.patch("/api/v1/orgs/acme/apps/shop", json={"display_name": "S"}, headers=token)
    assert r.status_code == 403
    # Organisation-level routes are out of an app token's reach.
    r = await client.get("/api/v1/orgs/acme", headers=token)
    assert r.status_code == 404


async def test_restriction_must_be_visible_and_within_role(
    client: AsyncClient, users: UserFactory
) -> None:
    owner, reader, stranger = await users.create(), await users.create(), await users.create()
    await make_org(client, owner, "acme", "shop")
    await add_member(client, owner, "acme", reader, "read")
    cases = [
        (stranger, {"org": "acme"}, 404, "organisation_not_found"),
        (stranger, {"org": "nowhere"}, 404, "organisation_not_found"),
        (reader, {"org": "acme", "app": "nope"}, 404, "application_not_found"),
        (reader, {"org": "acme", "max_role": "write"}, 403, "insufficient_role"),
        (reader, {"org": "acme", "app": "shop", "max_role": "admin"}, 403, "insufficient_role"),
        (reader, {"app": "shop"}, 422, "validation_failed"),
        (reader, {"org": "acme", "max_role": "god"}, 422, "validation_failed"),
        (reader, {"org": "Not A Slug"}, 422, "validation_failed"),
    ]
    for who, fields, status, code in cases:
        r = await client.post("/api/v1/tokens", json={"name": "t", **fields}, headers=who.headers)
        assert r.status_code == status, fields
        assert error_code(r) == code, fields
    for who in (reader, stranger):
        assert (await client.get("/api/v1/tokens", headers=who.headers)).json() == []
    await create_token(client, reader, org="acme", max_role="read")


async def test_app_member_can_restrict_to_its_org(client: AsyncClient, users: UserFactory) -> None:
    owner, dev = await users.create(), await users.create()
    await make_org(client, owner, "acme", "shop")
    await add_member(client, owner, "acme", dev, "write", app="shop")
    r = await client.post(
        "/api/v1/tokens",
        json={"name": "t", "org": "acme", "max_role": "admin"},
        headers=dev.headers,
    )
    assert r.status_code == 403
    secret, _ = await create_token(client, dev, org="acme", max_role="write")
    r = await client.get("/api/v1/orgs/acme/apps/shop", headers=bearer(secret))
    assert r.status_code == 200


async def test_token_follows_its_owners_current_rights(
    client: AsyncClient, users: UserFactory
) -> None:
    owner, admin = await users.create(), await users.create()
    await make_org(client, owner, "acme")
    await add_member(client, owner, "acme", admin, "admin")
    secret, _ = await create_token(client, admin, org="acme", max_role="admin")
    unrestricted, _ = await create_token(client, admin, name="all")
    for token in (secret, unrestricted):
        r = await client.patch(
            "/api/v1/orgs/acme", json={"display_name": "A"}, headers=bearer(token)
        )
        assert r.status_code == 200

    r = await client.patch(
        members_url("acme") + f"/{admin.email}", json={"role": "read"}, headers=owner.headers
    )
    assert r.status_code == 200
    for token in (secret, unrestricted):
        r = await client.patch(
            "/api/v1/orgs/acme", json={"display_name": "B"}, headers=bearer(token)
        )
        assert r.status_code == 403
        assert r.json()["error"]["details"] == {"needed": "admin", "have": "read"}
        assert (await client.get("/api/v1/orgs/acme", headers=bearer(token))).status_code == 200

    await client.delete(members_url("acme") + f"/{admin.email}", headers=owner.headers)
    for token in (secret, unrestricted):
        r = await client.get("/api/v1/orgs/acme", headers=bearer(token))
        assert r.status_code == 404


async def test_site_admin_tokens(client: AsyncClient, users: UserFactory) -> None:
    root, owner = await users.create(admin=True), await users.create()
    await make_org(client, owner, "acme")
    full, _ = await create_token(client, root, name="full")
    assert (await client.get("/api/v1/users", headers=bearer(full))).status_code == 200
    assert (await client.get("/api/v1/orgs/acme", headers=bearer(full))).status_code == 200
    limited, _ = await create_token(client, root, name="limited", max_role="read")
    r = await client.get("/api/v1/users", headers=bearer(limited))
    assert r.status_code == 403
    assert error_code(r) == "site_admin_required"


async def test_a_token_cannot_mint_a_stronger_token(
    client: AsyncClient, users: UserFactory
) -> None:
    owner = await users.create()
    await make_org(client, owner, "acme", "shop")
    await make_org(client, owner, "other")
    secret, _ = await create_token(
        client, owner, name="parent", org="acme", max_role="write", expires_in_days=7
    )
    parent = bearer(secret)
    stronger = [
        {},
        {"org": "acme", "max_role": "write"},  # no expiry: outlives the parent
        {"org": "acme", "max_role": "admin", "expires_in_days": 1},
        {"org": "acme", "expires_in_days": 1},  # no max_role: the owner's full role
        {"org": "acme", "max_role": "read", "expires_in_days": 30},
    ]
    for fields in stronger:
        r = await client.post("/api/v1/tokens", json={"name": "child", **fields}, headers=parent)
        assert r.status_code == 403, fields
        assert error_code(r) == "token_restricted", fields
    r = await client.post(
        "/api/v1/tokens",
        json={"name": "child", "org": "other", "max_role": "read", "expires_in_days": 1},
        headers=parent,
    )
    assert r.status_code == 404  # the parent cannot even see 'other'
    assert len((await client.get("/api/v1/tokens", headers=owner.headers)).json()) == 1

    child, body = await create_token(
        client, parent, org="acme", app="shop", max_role="read", expires_in_days=1
    )
    assert (body["org"], body["app"], body["max_role"]) == ("acme", "shop", "read")
    assert (
        await client.get("/api/v1/orgs/acme/apps/shop", headers=bearer(child))
    ).status_code == 200


async def test_session_may_create_any_token_within_role(
    client: AsyncClient, users: UserFactory
) -> None:
    owner = await users.create()
    await make_org(client, owner, "acme")
    _, body = await create_token(client, owner, org="acme", max_role="owner")
    assert body["max_role"] == "owner"


async def test_site_admin_restricted_token_carries_memberships_only(
    client: AsyncClient, users: UserFactory
) -> None:
    """A restricted token is not a site-admin credential, so a site admin cannot restrict one
    to an organisation they are not a member of (it could do nothing there)."""
    root, owner = await users.create(admin=True), await users.create()
    await make_org(client, owner, "acme")
    r = await client.post("/api/v1/tokens", json={"name": "t", "org": "acme"}, headers=root.headers)
    assert r.status_code == 404
    assert error_code(r) == "organisation_not_found"
    await add_member(client, owner, "acme", root, "write")
    secret, _ = await create_token(client, root, org="acme")
    r = await client.patch("/api/v1/orgs/acme", json={"display_name": "A"}, headers=bearer(secret))
    assert r.status_code == 403
    assert r.json()["error"]["details"] == {"needed": "admin", "have": "write"}
