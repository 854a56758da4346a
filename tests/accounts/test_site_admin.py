"""Site administration over the API: creating users is audited; resetting a password (chosen or
generated) ends the user's sessions; weak passwords and unknown users are refused cleanly."""

from __future__ import annotations

from fixtures.users import UserFactory
from httpx import AsyncClient


async def test_reset_password_generated_or_chosen(client: AsyncClient, users: UserFactory) -> None:
    admin, bob = await users.create(admin=True), await users.create("bob@example.com")
    url = f"/api/v1/users/{bob.user_id}/password"
    r = await client.post(url, json={}, headers=admin.headers)
    assert r.status_code == 200, r.text
    generated = r.json()["generated_password"]
    assert len(generated) >= 16
    # Bob's old session ended; the generated password works.
    assert (await client.get("/api/v1/me", headers=bob.headers)).status_code == 401
    r = await client.post("/api/v1/auth/login", json={"email": bob.email, "password": generated})
    assert r.status_code == 200

    r = await client.post(url, json={"password": "short"}, headers=admin.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "weak_password")
    r = await client.post(url, json={"password": "chosen-by-the-admin"}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["generated_password"] is None
    r = await client.post(
        "/api/v1/users/999999/password", json={"password": "whatever-it-is"}, headers=admin.headers
    )
    assert (r.status_code, r.json()["error"]["code"]) == (404, "user_not_found")
    r = await client.post(url, json={}, headers=bob.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "token_revoked")


async def test_resetting_your_own_password_keeps_this_session(
    client: AsyncClient, users: UserFactory
) -> None:
    admin = await users.create(admin=True)
    r = await client.post(f"/api/v1/users/{admin.user_id}/password", json={}, headers=admin.headers)
    assert r.status_code == 200
    assert (await client.get("/api/v1/me", headers=admin.headers)).status_code == 200
