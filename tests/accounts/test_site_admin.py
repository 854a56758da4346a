"""Site administration over the API: creating users is audited; resetting a password (chosen or
generated) ends the user's sessions; weak passwords and unknown users are refused cleanly."""

from __future__ import annotations

import pytest
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.accounts import service as accounts_service
from tradewind.settings import Settings


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


async def test_a_generated_password_never_breaks_the_rules(
    client: AsyncClient, users: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A random draw can spell the user name; the server draws again instead of refusing."""
    admin, bob = await users.create(admin=True), await users.create("bob@example.com")
    draws = iter(["xxBoBxx" + "k" * 40, "a-good-random-draw-" + "q" * 40])
    monkeypatch.setattr(accounts_service.secrets, "token_urlsafe", lambda _n: next(draws))
    r = await client.post(f"/api/v1/users/{bob.user_id}/password", json={}, headers=admin.headers)
    assert r.status_code == 200, r.text
    generated = r.json()["generated_password"]
    assert generated.startswith("a-good-random-draw-") and len(generated) == 24


def test_a_generated_password_is_as_long_as_the_minimum_asks() -> None:
    settings = Settings(password_min_length=64)
    password = accounts_service.generate_password("j@example.com", settings)
    assert len(password) == 64
    assert accounts_service.password_problems(password, "j@example.com", settings) == []


def test_a_short_user_name_does_not_forbid_its_letters() -> None:
    settings = Settings()
    assert accounts_service.password_problems("jade-river-92", "j@example.com", settings) == []
    assert accounts_service.password_problems("xbobx-river-92", "bob@example.com", settings) == [
        "must not contain the email's user name"
    ]
