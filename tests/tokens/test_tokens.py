"""API tokens: shown once, stored hashed, listed without secrets, revocable, expiring."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from fixtures.members import error_code
from fixtures.tokens import bearer, create_token
from fixtures.users import UserFactory
from httpx import AsyncClient
from sqlalchemy import func, select, update

from tradewind.app import TradewindApp
from tradewind.models import ApiToken, AuditEvent


async def test_token_shown_once_and_stored_hashed(
    client: AsyncClient, users: UserFactory, app: TradewindApp
) -> None:
    alice = await users.create()
    secret, body = await create_token(client, alice, name="deploy")
    assert secret.startswith("twt_")
    assert body["prefix"] == secret[:12]
    assert body["revoked"] is False
    assert body["expires_at"] is None
    assert (body["org"], body["app"], body["max_role"]) == (None, None, None)

    listed = (await client.get("/api/v1/tokens", headers=alice.headers)).json()
    assert len(listed) == 1
    assert "token" not in listed[0]
    assert secret not in str(listed)
    assert listed[0]["last_used_at"] is None
    async with app.ctx.db.unit_of_work() as session:
        stored = await session.scalar(select(ApiToken))
    assert stored is not None
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (stored.token_hash, stored.token_prefix)

    me = await client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.json()["email"] == alice.email
    listed = (await client.get("/api/v1/tokens", headers=alice.headers)).json()
    assert listed[0]["last_used_at"] is not None


async def test_revoke(client: AsyncClient, users: UserFactory, app: TradewindApp) -> None:
    alice, mallory = await users.create(), await users.create()
    secret, body = await create_token(client, alice)
    r = await client.delete(f"/api/v1/tokens/{body['id']}", headers=mallory.headers)
    assert r.status_code == 404
    assert error_code(r) == "token_not_found"
    assert (await client.get("/api/v1/me", headers=bearer(secret))).status_code == 200

    r = await client.delete(f"/api/v1/tokens/{body['id']}", headers=alice.headers)
    assert r.status_code == 204
    r = await client.get("/api/v1/me", headers=bearer(secret))
    assert r.status_code == 401
    assert error_code(r) == "token_revoked"
    listed = (await client.get("/api/v1/tokens", headers=alice.headers)).json()
    assert listed[0]["revoked"] is True
    assert listed[0]["revoked_at"] is not None
    # Revoking again is harmless and records nothing new.
    assert (
        await client.delete(f"/api/v1/tokens/{body['id']}", headers=alice.headers)
    ).status_code == 204
    async with app.ctx.db.unit_of_work() as session:
        revokes = await session.scalar(
            select(func.count()).where(AuditEvent.action == "token.revoke")
        )
    assert revokes == 1


async def test_a_token_can_revoke_itself(client: AsyncClient, users: UserFactory) -> None:
    alice = await users.create()
    secret, body = await create_token(client, alice)
    r = await client.delete(f"/api/v1/tokens/{body['id']}", headers=bearer(secret))
    assert r.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(secret))).status_code == 401


async def test_expiry(client: AsyncClient, users: UserFactory, app: TradewindApp) -> None:
    alice = await users.create()
    _, in_days = await create_token(client, alice, name="a", expires_in_days=30)
    expires = datetime.fromisoformat(in_days["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    at = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    secret, absolute = await create_token(client, alice, name="b", expires_at=at.isoformat())
    assert datetime.fromisoformat(absolute["expires_at"]) == at

    async with app.ctx.db.unit_of_work() as session:
        await session.execute(
            update(ApiToken)
            .where(ApiToken.id == absolute["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    r = await client.get("/api/v1/me", headers=bearer(secret))
    assert r.status_code == 401
    assert error_code(r) == "token_expired"
    listed = {
        t["name"]: t for t in (await client.get("/api/v1/tokens", headers=alice.headers)).json()
    }
    assert listed["b"]["expired"] is True
    assert listed["a"]["expired"] is False


async def test_bad_expiry_is_rejected(client: AsyncClient, users: UserFactory) -> None:
    alice = await users.create()
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    cases = [
        ({"expires_at": past}, 400, "invalid_expiry"),
        ({"expires_at": "2999-01-01T00:00:00"}, 422, "validation_failed"),  # no zone
        ({"expires_at": future, "expires_in_days": 3}, 422, "validation_failed"),
        ({"expires_in_days": 0}, 422, "validation_failed"),
        ({"expires_in_days": 100_000}, 422, "validation_failed"),
        ({"expires_in_days": "soon"}, 422, "validation_failed"),
    ]
    for fields, status, code in cases:
        r = await client.post("/api/v1/tokens", json={"name": "x", **fields}, headers=alice.headers)
        assert r.status_code == status, fields
        assert error_code(r) == code, fields
    assert (await client.get("/api/v1/tokens", headers=alice.headers)).json() == []


async def test_names(client: AsyncClient, users: UserFactory) -> None:
    alice, bob = await users.create(), await users.create()
    _, first = await create_token(client, alice, name="  deploy  ")
    assert first["name"] == "deploy"
    r = await client.post("/api/v1/tokens", json={"name": "deploy"}, headers=alice.headers)
    assert r.status_code == 409
    assert error_code(r) == "token_name_taken"
    await create_token(client, bob, name="deploy")  # names are per user
    for bad in ["", "   ", "x" * 101, 12]:
        r = await client.post("/api/v1/tokens", json={"name": bad}, headers=alice.headers)
        assert r.status_code == 422, bad
    # A revoked token's name may be reused.
    await client.delete(f"/api/v1/tokens/{first['id']}", headers=alice.headers)
    await create_token(client, alice, name="deploy")
    assert len((await client.get("/api/v1/tokens", headers=alice.headers)).json()) == 2


async def test_tokens_are_personal(client: AsyncClient, users: UserFactory) -> None:
    alice, bob = await users.create(), await users.create()
    await create_token(client, alice)
    assert (await client.get("/api/v1/tokens", headers=bob.headers)).json() == []
