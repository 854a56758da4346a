"""The dashboard's invitation, Users and profile pages in-process: what each role is offered,
errors that keep the form, the signed-in acceptance, and site-admin-only pages."""

from __future__ import annotations

import re

from fixtures.dashboard import csrf_of
from fixtures.members import make_org
from fixtures.smtp import Mailbox
from fixtures.users import DEFAULT_PASSWORD, UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp


async def sign_in(client: AsyncClient, email: str) -> str:
    page = await client.get("/dashboard/login")
    data = {"email": email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_of(page.text)}
    response = await client.post("/dashboard/login", data=data)
    assert response.status_code == 303, response.text
    home = await client.get("/dashboard/")
    return csrf_of(home.text)


async def test_members_form_adds_known_users_and_invites_the_rest(
    client: AsyncClient, users: UserFactory, smtp_server: Mailbox
) -> None:
    owner, known = await users.create(), await users.create("known@example.com")
    await make_org(client, owner, "acme")
    csrf = await sign_in(client, owner.email)
    url = "/dashboard/orgs/acme/members"
    added = await client.post(url, data={"email": known.email, "role": "read", "csrf_token": csrf})
    assert added.status_code == 303
    invited = await client.post(
        url, data={"email": "Fresh@Example.com", "role": "write", "csrf_token": csrf}
    )
    assert invited.status_code == 201
    link = re.search(r'id="invite-link" class="secret" readonly value="([^"]+)"', invited.text)
    assert link and "/dashboard/invite/twv_" in link[1]
    assert "The link was mailed to fresh@example.com." in invited.text
    assert [m["To"] for m in smtp_server.messages] == ["fresh@example.com"]
    # Inviting someone who is already a member keeps the form with the message at the field.
    again = await client.post(url, data={"email": known.email, "role": "read", "csrf_token": csrf})
    assert again.status_code == 409 and "already a member" in again.text
    assert 'value="known@example.com"' in again.text
    # Withdraw the pending invitation.
    pending = re.search(r'action="(/dashboard/orgs/acme/invitations/\d+/revoke)"', invited.text)
    assert pending
    gone = await client.post(pending[1], data={"csrf_token": csrf})
    assert gone.status_code == 303
    page = await client.get(url)
    assert "Pending invitations" not in page.text
    token = link[1].rsplit("/", 1)[1]
    withdrawn = await client.get(f"/dashboard/invite/{token}")
    assert withdrawn.status_code == 404 and "not valid" in withdrawn.text


async def test_an_existing_user_accepts_while_signed_in(
    client: AsyncClient, users: UserFactory
) -> None:
    owner, bob = await users.create(), await users.create("bob@example.com")
    await make_org(client, owner, "acme", "shop")
    r = await client.post(
        "/api/v1/orgs/acme/apps/shop/invitations",
        json={"email": bob.email, "role": "write"},
        headers=owner.headers,
    )
    path = "/dashboard/invite/" + r.json()["url"].rsplit("/", 1)[1]
    anonymous = await client.get(path)
    assert "Sign in to accept" in anonymous.text and "Choose a password" not in anonymous.text
    csrf = await sign_in(client, owner.email)
    wrong = await client.post(path, data={"csrf_token": csrf})
    assert wrong.status_code == 403 and "signed in as" in wrong.text
    await client.post("/dashboard/logout", data={"csrf_token": csrf})
    await sign_in(client, bob.email)
    page = await client.get(path)
    assert "Accept and join" in page.text
    joined = await client.post(path, data={"csrf_token": csrf_of(page.text)})
    assert joined.status_code == 303
    assert joined.headers["location"] == "/dashboard/orgs/acme/apps/shop"


async def test_readers_are_not_offered_what_they_cannot_do(
    client: AsyncClient, users: UserFactory
) -> None:
    owner, reader = await users.create(), await users.create()
    await make_org(client, owner, "acme", "shop")
    r = await client.post(
        "/api/v1/orgs/acme/members",
        json={"email": reader.email, "role": "read"},
        headers=owner.headers,
    )
    assert r.status_code == 201
    await sign_in(client, reader.email)
    members = await client.get("/dashboard/orgs/acme/members")
    assert members.status_code == 200 and "Add or invite" not in members.text
    overview = await client.get("/dashboard/orgs/acme/apps/shop")
    assert "Upload a bundle" not in overview.text and "Create a release" not in overview.text
    home = await client.get("/dashboard/")
    assert "/dashboard/admin/users" not in home.text
    users_page = await client.get("/dashboard/admin/users")
    assert users_page.status_code == 403


async def test_users_page_creates_and_resets(
    client: AsyncClient, users: UserFactory, app: TradewindApp
) -> None:
    admin = await users.create(admin=True)
    csrf = await sign_in(client, admin.email)
    base = "/dashboard/admin/users"
    weak = await client.post(
        base, data={"email": "dev@example.com", "password": "short", "csrf_token": csrf}
    )
    assert weak.status_code == 400 and 'id="password-error"' in weak.text
    assert 'value="dev@example.com"' in weak.text
    made = await client.post(
        base,
        data={"email": "dev@example.com", "password": "long-enough-words", "csrf_token": csrf},
    )
    assert made.status_code == 303
    page = await client.get(base)
    user_id = re.search(
        r'action="/dashboard/admin/users/(\d+)/password"',
        page.text.split('<th scope="row">dev@example.com', 1)[1],
    )
    assert user_id
    reset = await client.post(
        f"{base}/{user_id[1]}/password", data={"password": "", "csrf_token": csrf}
    )
    assert reset.status_code == 200
    generated = re.search(r'id="new-password" class="secret" readonly value="([^"]+)"', reset.text)
    assert generated
    login = await client.post(
        "/api/v1/auth/login", json={"email": "dev@example.com", "password": generated[1]}
    )
    assert login.status_code == 200
    # You cannot lock yourself out from the page either.
    self_disable = await client.post(f"{base}/{admin.user_id}/disable", data={"csrf_token": csrf})
    assert (
        self_disable.status_code == 400 and "cannot disable your own account" in self_disable.text
    )
