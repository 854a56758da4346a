"""Organisation members: listing, adding, changing, removing, and the owner rules."""

from __future__ import annotations

from fixtures.members import add_member, error_code, make_org, members_of, members_url
from fixtures.users import UserFactory
from httpx import AsyncClient
from sqlalchemy import select, update

from tradewind.app import TradewindApp
from tradewind.models import AuditEvent, OrgMember


async def audit_actions(client: AsyncClient, headers: dict[str, str], org: str) -> list[str]:
    r = await client.get(f"/api/v1/orgs/{org}/audit", headers=headers)
    assert r.status_code == 200, r.text
    return [e["action"] for e in r.json()["events"]]


async def test_add_change_remove_member(client: AsyncClient, users: UserFactory) -> None:
    owner, bob = await users.create(), await users.create("Bob@Example.com")
    await make_org(client, owner, "acme")
    added = await add_member(client, owner, "acme", bob, "read")
    assert added["email"] == "bob@example.com"
    assert added["role"] == "read"
    assert added["managed_by"] is None
    assert await members_of(client, bob, "acme") == {owner.email: "owner", bob.email: "read"}

    # The path accepts the email in any case.
    r = await client.patch(
        members_url("acme") + "/BOB@example.com", json={"role": "write"}, headers=owner.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "write"
    r = await client.delete(members_url("acme") + "/bob@example.com", headers=owner.headers)
    assert r.status_code == 204
    assert await members_of(client, owner, "acme") == {owner.email: "owner"}
    # Bob no longer even sees the organisation.
    r = await client.get("/api/v1/orgs/acme", headers=bob.headers)
    assert r.status_code == 404
    assert error_code(r) == "organisation_not_found"

    events = (await client.get("/api/v1/orgs/acme/audit", headers=owner.headers)).json()["events"]
    changes = [(e["action"], e["from_state"], e["to_state"]) for e in events[:3]]
    assert changes == [
        ("member.remove", "write", None),
        ("member.change_role", "read", "write"),
        ("member.add", None, "read"),
    ]
    assert all(e["actor"] == owner.email for e in events[:3])
    assert {e["details"]["email"] for e in events[:3]} == {"bob@example.com"}


async def test_add_unknown_user_or_bad_email(
    client: AsyncClient, users: UserFactory, app: TradewindApp
) -> None:
    owner = await users.create()
    await make_org(client, owner, "acme")
    before = await audit_actions(client, owner.headers, "acme")
    r = await client.post(
        members_url("acme"),
        json={"email": "ghost@example.com", "role": "read"},
        headers=owner.headers,
    )
    assert r.status_code == 404
    assert error_code(r) == "user_not_found"
    r = await client.post(
        members_url("acme"), json={"email": "not-an-email", "role": "read"}, headers=owner.headers
    )
    assert r.status_code == 400
    assert error_code(r) == "invalid_email"
    r = await client.post(
        members_url("acme"),
        json={"email": owner.email, "role": "superuser"},
        headers=owner.headers,
    )
    assert r.status_code == 422
    assert error_code(r) == "validation_failed"
    assert await members_of(client, owner, "acme") == {owner.email: "owner"}
    assert await audit_actions(client, owner.headers, "acme") == before


async def test_duplicate_and_unknown_members(client: AsyncClient, users: UserFactory) -> None:
    owner, bob = await users.create(), await users.create()
    await make_org(client, owner, "acme")
    await add_member(client, owner, "acme", bob, "read")
    r = await client.post(
        members_url("acme"), json={"email": bob.email, "role": "admin"}, headers=owner.headers
    )
    assert r.status_code == 409
    assert error_code(r) == "member_exists"
    assert (await members_of(client, owner, "acme"))[bob.email] == "read"
    for method in ("PATCH", "DELETE"):
        r = await client.request(
            method,
            members_url("acme") + "/nobody@example.com",
            json={"role": "read"} if method == "PATCH" else None,
            headers=owner.headers,
        )
        assert r.status_code == 404, method
        assert error_code(r) == "member_not_found"


async def test_read_and_write_cannot_manage_members(
    client: AsyncClient, users: UserFactory
) -> None:
    owner, reader, writer, carol = (
        await users.create(),
        await users.create(),
        await users.create(),
        await users.create(),
    )
    await make_org(client, owner, "acme")
    await add_member(client, owner, "acme", reader, "read")
    await add_member(client, owner, "acme", writer, "write")
    for who in (reader, writer):
        assert set(await members_of(client, who, "acme")) == {
            owner.email,
            reader.email,
            writer.email,
        }
        r = await client.post(
            members_url("acme"), json={"email": carol.email, "role": "read"}, headers=who.headers
        )
        assert r.status_code == 403
        assert error_code(r) == "insufficient_role"
        r = await client.delete(members_url("acme") + f"/{owner.email}", headers=who.headers)
        assert r.status_code == 403
    assert carol.email not in await members_of(client, owner, "acme")


async def test_only_owners_touch_the_owner_role(client: AsyncClient, users: UserFactory) -> None:
    owner, admin, bob = await users.create(), await users.create(), await users.create()
    await make_org(client, owner, "acme")
    await add_member(client, owner, "acme", admin, "admin")
    await add_member(client, admin, "acme", bob, "write")  # admins manage non-owners
    attempts = [
        ("POST", members_url("acme"), {"email": "x@example.com", "role": "owner"}),
        ("PATCH", members_url("acme") + f"/{bob.email}", {"role": "owner"}),
        ("PATCH", members_url("acme") + f"/{owner.email}", {"role": "admin"}),
        ("DELETE", members_url("acme") + f"/{owner.email}", None),
    ]
    for method, url, body in attempts:
        r = await client.request(method, url, json=body, headers=admin.headers)
        assert r.status_code == 403, (method, url)
        assert r.json()["error"] == {
            "code": "insufficient_role",
            "message": "only an owner may grant, change or remove the owner role",
            "details": {"needed": "owner", "have": "admin"},
        }
    assert await members_of(client, owner, "acme") == {
        owner.email: "owner",
        admin.email: "admin",
        bob.email: "write",
    }
    # An owner may make another owner, who may then demote the first.
    r = await client.patch(
        members_url("acme") + f"/{admin.email}", json={"role": "owner"}, headers=owner.headers
    )
    assert r.status_code == 200
    r = await client.patch(
        members_url("acme") + f"/{owner.email}", json={"role": "read"}, headers=admin.headers
    )
    assert r.status_code == 200
    assert (await members_of(client, admin, "acme"))[owner.email] == "read"


async def test_last_owner_cannot_leave_or_be_downgraded(
    client: AsyncClient, users: UserFactory
) -> None:
    owner, other = await users.create(), await users.create()
    await make_org(client, owner, "acme")
    await add_member(client, owner, "acme", other, "admin")
    own = members_url("acme") + f"/{owner.email}"
    for method, body in (("PATCH", {"role": "admin"}), ("DELETE", None)):
        r = await client.request(method, own, json=body, headers=owner.headers)
        assert r.status_code == 409, method
        assert error_code(r) == "last_owner"
        assert "last owner" in r.json()["error"]["message"]
        assert "make another member an owner" in r.json()["error"]["message"]
    r = await client.delete("/api/v1/orgs/acme/membership", headers=owner.headers)
    assert r.status_code == 409
    assert error_code(r) == "last_owner"
    assert (await members_of(client, owner, "acme"))[owner.email] == "owner"
    # With a second owner, the first may leave.
    await client.patch(
        members_url("acme") + f"/{other.email}", json={"role": "owner"}, headers=owner.headers
    )
    r = await client.delete("/api/v1/orgs/acme/membership", headers=owner.headers)
    assert r.status_code == 204
    assert await members_of(client, other, "acme") == {other.email: "owner"}


async def test_last_owner_rule_counts_site_admins_out(
    client: AsyncClient, users: UserFactory
) -> None:
    """A site admin acts as owner everywhere but is not a member: the org keeps its owner."""
    owner, root = await users.create(), await users.create(admin=True)
    await make_org(client, owner, "acme")
    r = await client.delete(members_url("acme") + f"/{owner.email}", headers=root.headers)
    assert r.status_code == 409
    assert error_code(r) == "last_owner"


async def test_any_member_may_leave(client: AsyncClient, users: UserFactory) -> None:
    owner, reader = await users.create(), await users.create()
    await make_org(client, owner, "acme")
    await add_member(client, owner, "acme", reader, "read")
    assert (
        await client.delete("/api/v1/orgs/acme/membership", headers=reader.headers)
    ).status_code == 204
    assert (await client.get("/api/v1/orgs/acme", headers=reader.headers)).status_code == 404
    assert "member.leave" in await audit_actions(client, owner.headers, "acme")


async def test_managed_members_are_shown_as_such(
    client: AsyncClient, users: UserFactory, app: TradewindApp
) -> None:
    owner, bob = await users.create(), await users.create()
    await make_org(client, owner, "acme")
    await add_member(client, owner, "acme", bob, "write")
    async with app.ctx.db.unit_of_work() as session:
        await session.execute(
            update(OrgMember).where(OrgMember.user_id == bob.user_id).values(managed_by="oidc:corp")
        )
    listed = (await client.get(members_url("acme"), headers=owner.headers)).json()
    assert {m["email"]: m["managed_by"] for m in listed} == {
        owner.email: None,
        bob.email: "oidc:corp",
    }


async def test_failed_changes_write_no_audit(
    client: AsyncClient, users: UserFactory, app: TradewindApp
) -> None:
    owner = await users.create()
    await make_org(client, owner, "acme")
    await client.patch(
        members_url("acme") + f"/{owner.email}", json={"role": "read"}, headers=owner.headers
    )
    async with app.ctx.db.unit_of_work() as session:
        actions = list(await session.scalars(select(AuditEvent.action)))
    assert actions == ["org.create"]
