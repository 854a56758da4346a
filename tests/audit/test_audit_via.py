"""The audit trail records how each action was made: which session kind, or which API token
by name, so CI actions are told apart from people."""

from __future__ import annotations

from fixtures.members import make_org
from fixtures.users import UserFactory
from httpx import AsyncClient


async def test_audit_says_how(client: AsyncClient, users: UserFactory) -> None:
    owner = await users.create()  # a password session ("api" kind), as `tradewind login` gets
    await make_org(client, owner, "acme")
    r = await client.post(
        "/api/v1/tokens", json={"name": "ci-shop", "org": "acme"}, headers=owner.headers
    )
    assert r.status_code == 201, r.text
    ci = {"Authorization": f"Bearer {r.json()['token']}"}
    r = await client.post("/api/v1/orgs/acme/apps", json={"name": "shop"}, headers=ci)
    assert r.status_code == 201, r.text
    events = (await client.get("/api/v1/orgs/acme/audit", headers=owner.headers)).json()["events"]
    by_action = {e["action"]: e for e in events}
    assert by_action["app.create"]["via"] == "API token 'ci-shop'"
    assert by_action["app.create"]["actor"] == owner.email
    assert by_action["org.create"]["via"] == "password session"
