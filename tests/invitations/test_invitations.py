"""Invitations over the API: invite, mail, preview, accept (new account or signed in), the
single-use and expiry rules, withdrawal, roles, and tenant isolation."""

from __future__ import annotations

import re
from datetime import timedelta

from fixtures.members import error_code, make_org, members_of
from fixtures.smtp import Mailbox
from fixtures.users import SignedIn, UserFactory
from httpx import AsyncClient
from sqlalchemy import func, select, update

from tradewind.accounts.security import hash_token
from tradewind.app import TradewindApp
from tradewind.models import Invitation, User
from tradewind.models.base import utcnow

PASSWORD = "a-long-enough-secret"


async def invite(
    client: AsyncClient, by: SignedIn, email: str, role: str = "write", app: str | None = None
) -> dict[str, object]:
    base = f"/api/v1/orgs/acme/apps/{app}" if app else "/api/v1/orgs/acme"
    r = await client.post(
        f"{base}/invitations", json={"email": email, "role": role}, headers=by.headers
    )
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


def token_of(url: object) -> str:
    assert isinstance(url, str)
    match = re.fullmatch(r"http://testserver/dashboard/invite/(twv_[\w-]+)", url)
    assert match, url
    return match[1]


async def test_invite_mail_and_accept_with_a_new_account(
    client: AsyncClient, users: UserFactory, app: TradewindApp, smtp_server: Mailbox
) -> None:
    owner = await users.create()
    await make_org(client, owner, "acme")
    created = await invite(client, owner, "New.Person@Example.com", "write")
    assert created["email"] == "new.person@example.com"
    assert created["mailed"] is True and created["mail_error"] is None
    token = token_of(created["url"])

    # The mail went to the invitee through the SMTP server, with the same link.
    [mail] = smtp_server.messages
    assert mail["To"] == "new.person@example.com"
    assert "acme" in mail["Subject"]
    assert str(created["url"]) in mail.get_payload(decode=True).decode()

    # Only the token's hash is stored.
    async with app.ctx.db.unit_of_work() as session:
        stored = await session.scalar(select(Invitation.token_hash))
    assert stored == hash_token(token) and token not in stored

    r = await client.post("/api/v1/invitations/preview", json={"token": token})
    assert r.status_code == 200, r.text
    assert (r.json()["email"], r.json()["role"], r.json()["invited_by"]) == (
        "new.person@example.com",
        "write",
        owner.email,
    )

    r = await client.post(
        "/api/v1/invitations/accept",
        json={"token": token, "password": PASSWORD, "display_name": "New Person"},
    )
    assert r.status_code == 200, r.text
    accepted = r.json()
    assert (accepted["org"], accepted["role"]) == ("acme", "write")
    session_headers = {"Authorization": f"Bearer {accepted['token']}"}
    r = await client.get("/api/v1/orgs/acme", headers=session_headers)
    assert r.status_code == 200
    assert (await members_of(client, owner, "acme"))["new.person@example.com"] == "write"
    r = await client.post(
        "/api/v1/auth/login", json={"email": "new.person@example.com", "password": PASSWORD}
    )
    assert r.status_code == 200

    # Single use.
    r = await client.post("/api/v1/invitations/accept", json={"token": token, "password": PASSWORD})
    assert (r.status_code, error_code(r)) == (410, "invitation_used")
    events = (await client.get("/api/v1/orgs/acme/audit", headers=owner.headers)).json()["events"]
    assert [e["action"] for e in events[:2]] == ["invitation.accept", "invitation.create"]
    assert events[0]["actor"] == "new.person@example.com"


async def test_existing_account_accepts_when_signed_in_as_the_invited_email(
    client: AsyncClient, users: UserFactory
) -> None:
    owner, bob, eve = (
        await users.create(),
        await users.create("bob@example.com"),
        await users.create(),
    )
    await make_org(client, owner, "acme", "shop")
    token = token_of((await invite(client, owner, "bob@example.com", "read", app="shop"))["url"])
    # Without a password and without a bearer token, nothing happens.
    r = await client.post("/api/v1/invitations/accept", json={"token": token})
    assert (r.status_code, error_code(r)) == (400, "password_required")
    # An account exists: a password for a new one is refused.
    r = await client.post("/api/v1/invitations/accept", json={"token": token, "password": PASSWORD})
    assert (r.status_code, error_code(r)) == (409, "account_exists")
    # Someone else's session cannot take it.
    r = await client.post("/api/v1/invitations/accept", json={"token": token}, headers=eve.headers)
    assert (r.status_code, error_code(r)) == (403, "invitation_email_mismatch")
    r = await client.post("/api/v1/invitations/accept", json={"token": token}, headers=bob.headers)
    assert r.status_code == 200, r.text
    assert (r.json()["app"], r.json()["role"], r.json()["token"]) == ("shop", "read", None)
    assert await members_of(client, owner, "acme", "shop") == {"bob@example.com": "read"}


async def test_expired_replaced_withdrawn_and_unknown_links(
    client: AsyncClient, users: UserFactory, app: TradewindApp
) -> None:
    owner = await users.create()
    await make_org(client, owner, "acme")
    first = token_of((await invite(client, owner, "x@example.com"))["url"])
    second = await invite(client, owner, "x@example.com", "admin")
    # Inviting again replaces the earlier link.
    r = await client.post("/api/v1/invitations/preview", json={"token": first})
    assert (r.status_code, error_code(r)) == (404, "invitation_not_found")
    r = await client.get("/api/v1/orgs/acme/invitations", headers=owner.headers)
    assert [(i["email"], i["role"]) for i in r.json()] == [("x@example.com", "admin")]

    async with app.ctx.db.unit_of_work() as session:
        await session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    token = token_of(second["url"])
    r = await client.post("/api/v1/invitations/accept", json={"token": token, "password": PASSWORD})
    assert (r.status_code, error_code(r)) == (410, "invitation_expired")
    async with app.ctx.db.unit_of_work() as session:  # no partial account
        assert await session.scalar(select(func.count()).select_from(User)) == 1

    third = await invite(client, owner, "y@example.com")
    r = await client.delete(f"/api/v1/orgs/acme/invitations/{third['id']}", headers=owner.headers)
    assert r.status_code == 204
    r = await client.post("/api/v1/invitations/preview", json={"token": token_of(third["url"])})
    assert (r.status_code, error_code(r)) == (404, "invitation_not_found")
    r = await client.delete(f"/api/v1/orgs/acme/invitations/{third['id']}", headers=owner.headers)
    assert (r.status_code, error_code(r)) == (404, "invitation_not_found")
    for bad in ("twv_nope", "x" * 199, "tws_session-like"):
        r = await client.post("/api/v1/invitations/preview", json={"token": bad})
        assert (r.status_code, error_code(r)) == (404, "invitation_not_found")


async def test_invite_rules(client: AsyncClient, users: UserFactory) -> None:
    owner, admin, member = await users.create(), await users.create(), await users.create()
    await make_org(client, owner, "acme", "shop")
    for who, role in ((admin, "admin"), (member, "read")):
        r = await client.post(
            "/api/v1/orgs/acme/members",
            json={"email": who.email, "role": role},
            headers=owner.headers,
        )
        assert r.status_code == 201
    url = "/api/v1/orgs/acme/invitations"
    cases = [
        (admin, {"email": "a@example.com", "role": "owner"}, 403, "insufficient_role"),
        (member, {"email": "a@example.com", "role": "read"}, 403, "insufficient_role"),
        (owner, {"email": member.email, "role": "write"}, 409, "member_exists"),
        (owner, {"email": "not-an-email", "role": "read"}, 400, "invalid_email"),
        (owner, {"email": "a@example.com", "role": "boss"}, 422, "validation_failed"),
    ]
    for who, body, status, code in cases:
        r = await client.post(url, json=body, headers=who.headers)
        assert (r.status_code, error_code(r)) == (status, code), (body, r.text)
    r = await client.post(
        "/api/v1/orgs/acme/apps/shop/invitations",
        json={"email": "a@example.com", "role": "owner"},
        headers=owner.headers,
    )
    assert r.status_code == 422
    # Admins invite up to admin; the invitation list is theirs, not readers'.
    assert (await invite(client, admin, "a@example.com", "admin"))["role"] == "admin"
    r = await client.get(url, headers=member.headers)
    assert (r.status_code, error_code(r)) == (403, "insufficient_role")


async def test_other_organisations_cannot_see_or_withdraw(
    client: AsyncClient, users: UserFactory
) -> None:
    owner, stranger = await users.create(), await users.create()
    await make_org(client, owner, "acme")
    await make_org(client, stranger, "other")
    created = await invite(client, owner, "z@example.com")
    r = await client.delete(
        f"/api/v1/orgs/other/invitations/{created['id']}", headers=stranger.headers
    )
    assert (r.status_code, error_code(r)) == (404, "invitation_not_found")
    r = await client.get("/api/v1/orgs/acme/invitations", headers=stranger.headers)
    assert (r.status_code, error_code(r)) == (404, "organisation_not_found")


async def test_mail_failure_still_gives_the_link(
    client: AsyncClient, users: UserFactory, app: TradewindApp, smtp_server: Mailbox
) -> None:
    owner = await users.create()
    await make_org(client, owner, "acme")
    # The same app with a mail server that is not listening.
    app.ctx.settings = app.ctx.settings.model_copy(update={"smtp_port": 1})
    created = await invite(client, owner, "q@example.com")
    assert created["mailed"] is False and "ConnectionRefusedError" in str(created["mail_error"])
    assert smtp_server.messages == []
    r = await client.post("/api/v1/invitations/preview", json={"token": token_of(created["url"])})
    assert r.status_code == 200
