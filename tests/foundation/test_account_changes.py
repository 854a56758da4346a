"""Password change by the user, and account changes by a site administrator."""

from __future__ import annotations

from fixtures.members import error_code
from fixtures.tokens import bearer, create_token
from fixtures.users import DEFAULT_PASSWORD, UserFactory
from httpx import AsyncClient

from tradewind.accounts import repository as accounts_repo
from tradewind.accounts import service as accounts
from tradewind.app import TradewindApp

NEW_PASSWORD = "another-long-passphrase"


async def login(client: AsyncClient, email: str, password: str) -> int:
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    return r.status_code


async def test_change_password(client: AsyncClient, users: UserFactory, app: TradewindApp) -> None:
    alice = await users.create("alice@example.com")
    async with app.ctx.db.unit_of_work() as session:  # a second session, e.g. another laptop
        user = await accounts_repo.user_by_id(session, alice.user_id)
        assert user is not None
        other, _ = await accounts.start_session(session, app.ctx.settings, user)
    url = "/api/v1/me/password"
    r = await client.post(
        url, json={"current_password": "wrong", "new_password": NEW_PASSWORD}, headers=alice.headers
    )
    assert (r.status_code, error_code(r)) == (400, "wrong_password")
    r = await client.post(
        url,
        json={"current_password": DEFAULT_PASSWORD, "new_password": "short"},
        headers=alice.headers,
    )
    assert (r.status_code, error_code(r)) == (400, "weak_password")
    assert await login(client, alice.email, DEFAULT_PASSWORD) == 200

    r = await client.post(
        url,
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=alice.headers,
    )
    assert r.status_code == 204
    assert await login(client, alice.email, DEFAULT_PASSWORD) == 401
    assert await login(client, alice.email, NEW_PASSWORD) == 200
    assert (await client.get("/api/v1/me", headers=alice.headers)).status_code == 200
    r = await client.get("/api/v1/me", headers=bearer(other))
    assert (r.status_code, error_code(r)) == (401, "token_revoked")


async def test_api_tokens_cannot_change_the_password(
    client: AsyncClient, users: UserFactory
) -> None:
    alice = await users.create()
    secret, _ = await create_token(client, alice)
    r = await client.post(
        "/api/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(secret),
    )
    assert (r.status_code, error_code(r)) == (403, "session_required")
    assert await login(client, alice.email, DEFAULT_PASSWORD) == 200


async def test_site_admin_disables_a_user(client: AsyncClient, users: UserFactory) -> None:
    root, bob = await users.create(admin=True), await users.create()
    bob_token, _ = await create_token(client, bob)
    r = await client.patch(
        f"/api/v1/users/{bob.user_id}", json={"disabled": True}, headers=root.headers
    )
    assert r.status_code == 200
    assert r.json()["disabled"] is True
    for headers in (bob.headers, bearer(bob_token)):
        r = await client.get("/api/v1/me", headers=headers)
        assert (r.status_code, error_code(r)) == (401, "account_disabled")
    assert await login(client, bob.email, DEFAULT_PASSWORD) == 401

    r = await client.patch(
        f"/api/v1/users/{bob.user_id}", json={"disabled": False}, headers=root.headers
    )
    assert r.status_code == 200
    assert (await client.get("/api/v1/me", headers=bob.headers)).status_code == 200


async def test_site_admin_cannot_lock_themselves_out(
    client: AsyncClient, users: UserFactory
) -> None:
    root = await users.create(admin=True)
    for change in ({"disabled": True}, {"is_site_admin": False}):
        r = await client.patch(f"/api/v1/users/{root.user_id}", json=change, headers=root.headers)
        assert (r.status_code, error_code(r)) == (400, "cannot_lock_out_self")
    me = (await client.get("/api/v1/me", headers=root.headers)).json()
    assert (me["disabled"], me["is_site_admin"]) == (False, True)
    r = await client.patch(
        f"/api/v1/users/{root.user_id}", json={"display_name": "Root"}, headers=root.headers
    )
    assert r.json()["display_name"] == "Root"
