"""Sign-in, sessions, /me, and the login rate limits."""

from __future__ import annotations

from fixtures.users import DEFAULT_PASSWORD, UserFactory
from httpx import AsyncClient


async def test_login_me_logout(client: AsyncClient, users: UserFactory) -> None:
    await users.create("Alice@Example.com")
    r = await client.post(
        "/api/v1/auth/login", json={"email": "ALICE@example.com", "password": DEFAULT_PASSWORD}
    )
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    assert token.startswith("tws_")
    headers = {"Authorization": f"Bearer {token}"}
    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.com"
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    after = await client.get("/api/v1/me", headers=headers)
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "token_revoked"


async def test_wrong_password_and_unknown_user_look_the_same(
    client: AsyncClient, users: UserFactory
) -> None:
    await users.create("bob@example.com")
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": "bob@example.com", "password": "nope-nope-nope"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


async def test_account_lockout_after_repeated_failures(
    client: AsyncClient, users: UserFactory
) -> None:
    await users.create("carol@example.com")
    for _ in range(5):
        r = await client.post(
            "/api/v1/auth/login", json={"email": "carol@example.com", "password": "bad-bad-bad"}
        )
        assert r.status_code == 401
    locked = await client.post(
        "/api/v1/auth/login", json={"email": "carol@example.com", "password": DEFAULT_PASSWORD}
    )
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_login_attempts"
    assert int(locked.headers["retry-after"]) > 0


async def test_missing_and_garbage_tokens(client: AsyncClient) -> None:
    r = await client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "authentication_required"
    r = await client.get("/api/v1/me", headers={"Authorization": "Bearer tws_garbage"})
    assert r.json()["error"]["code"] == "invalid_token"
    r = await client.get("/api/v1/me", headers={"Authorization": "Bearer something"})
    assert r.json()["error"]["code"] == "invalid_token"


async def test_malformed_json_is_400(client: AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "malformed_json"
