"""Bad input: a clear 4xx with a stable code, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from fixtures.members import error_code, make_org
from fixtures.users import SignedIn, UserFactory
from httpx import AsyncClient
from sqlalchemy import func, select

from tradewind.app import TradewindApp
from tradewind.models import (
    ApiToken,
    Application,
    AppMember,
    AuditEvent,
    Organisation,
    OrgMember,
    User,
)

Snapshot = dict[str, int]
JSON = {"content-type": "application/json"}


async def snapshot(app: TradewindApp) -> Snapshot:
    """Row counts of every table these requests could write to."""
    tables = (Organisation, Application, OrgMember, AppMember, ApiToken, AuditEvent, User)
    async with app.ctx.db.unit_of_work() as session:
        return {
            t.__tablename__: int(await session.scalar(select(func.count()).select_from(t)) or 0)
            for t in tables
        }


@pytest.fixture
async def owner(client: AsyncClient, users: UserFactory) -> SignedIn:
    """A user owning org `acme` with app `shop`, and a second user `bob@example.com`."""
    signed_in = await users.create("owner@example.com", admin=True)
    await users.create("bob@example.com")
    await make_org(client, signed_in, "acme", "shop")
    return signed_in


# (method, url, a valid body) of routes that take a JSON body.
WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/v1/orgs", {"name": "newco"}),
    ("PATCH", "/api/v1/orgs/acme", {"display_name": "Acme"}),
    ("POST", "/api/v1/orgs/acme/apps", {"name": "blog"}),
    ("PATCH", "/api/v1/orgs/acme/apps/shop", {"display_name": "Shop"}),
    ("POST", "/api/v1/orgs/acme/members", {"email": "bob@example.com", "role": "read"}),
    ("PATCH", "/api/v1/orgs/acme/members/owner@example.com", {"role": "owner"}),
    ("POST", "/api/v1/orgs/acme/apps/shop/members", {"email": "bob@example.com", "role": "read"}),
    ("POST", "/api/v1/tokens", {"name": "ci"}),
    ("POST", "/api/v1/users", {"email": "new@example.com", "password": "a-long-passphrase"}),
    ("PATCH", "/api/v1/users/1", {"display_name": "Bob"}),
    ("POST", "/api/v1/me/password", {"current_password": "x", "new_password": "y"}),
]
IDS = [f"{m} {u}" for m, u, _ in WRITES]


@pytest.mark.parametrize(("method", "url", "valid"), WRITES, ids=IDS)
async def test_malformed_json(
    method: str,
    url: str,
    valid: dict[str, Any],
    owner: SignedIn,
    client: AsyncClient,
    app: TradewindApp,
) -> None:
    before = await snapshot(app)
    for raw in (b"{not json", b'{"name": "x",}', b"\xff\xfe{}", b"[" * 100_000):
        r = await client.request(method, url, content=raw, headers=owner.headers | JSON)
        assert r.status_code == 400, raw[:20]
        assert error_code(r) in ("malformed_json", "bad_request"), raw[:20]
    assert await snapshot(app) == before


@pytest.mark.parametrize(("method", "url", "valid"), WRITES, ids=IDS)
async def test_unknown_fields_and_wrong_shapes(
    method: str,
    url: str,
    valid: dict[str, Any],
    owner: SignedIn,
    client: AsyncClient,
    app: TradewindApp,
) -> None:
    before = await snapshot(app)
    bodies: list[Any] = [{**valid, "unexpected": 1}, [valid], "text", 7, None]
    bodies += [{**valid, key: {"nested": True}} for key in valid]  # wrong type per field
    for body in bodies:
        r = await client.request(method, url, json=body, headers=owner.headers)
        assert r.status_code == 422, body
        assert error_code(r) == "validation_failed", body
        assert r.json()["error"]["details"]["errors"], body
    r = await client.request(
        method, url, content=b"name=x", headers=owner.headers | {"content-type": "text/plain"}
    )
    assert r.status_code == 422
    assert await snapshot(app) == before


async def test_over_long_and_invalid_names(
    owner: SignedIn, client: AsyncClient, app: TradewindApp
) -> None:
    before = await snapshot(app)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("/api/v1/orgs", {"name": "a" * 64}),
        ("/api/v1/orgs", {"name": "ok", "display_name": "d" * 201}),
        ("/api/v1/orgs", {"name": "ok", "display_name": "bad\x00byte"}),
        ("/api/v1/orgs/acme/apps", {"name": "b" * 64}),
        ("/api/v1/orgs/acme/apps", {"name": "ok", "identifier_dimension": "device;id"}),
        ("/api/v1/orgs/acme/members", {"email": "x" * 250 + "@example.com", "role": "read"}),
        ("/api/v1/tokens", {"name": "t" * 101}),
        ("/api/v1/tokens", {"name": "t\x00"}),
    ]
    cases += [
        ("/api/v1/orgs/acme/apps", {"name": bad})
        for bad in ("Shop", "s_p", "-sp", "sp-", "café", "s", "")
    ]
    for url, body in cases:
        r = await client.post(url, json=body, headers=owner.headers)
        assert r.status_code == 422, body
        assert error_code(r) == "validation_failed", body
    assert await snapshot(app) == before


async def test_duplicate_names(owner: SignedIn, client: AsyncClient, app: TradewindApp) -> None:
    before = await snapshot(app)
    cases = [
        ("/api/v1/orgs", {"name": "acme"}, "organisation_exists"),
        ("/api/v1/orgs/acme/apps", {"name": "shop"}, "application_exists"),
        (
            "/api/v1/orgs/acme/members",
            {"email": "OWNER@example.com", "role": "read"},
            "member_exists",
        ),
        (
            "/api/v1/users",
            {"email": "Bob@Example.com", "password": "a-long-passphrase"},
            "email_taken",
        ),
    ]
    for url, body, code in cases:
        r = await client.post(url, json=body, headers=owner.headers)
        assert r.status_code == 409, url
        assert error_code(r) == code
    assert await snapshot(app) == before


async def test_unknown_ids_and_names(
    owner: SignedIn, client: AsyncClient, app: TradewindApp
) -> None:
    before = await snapshot(app)
    cases = [
        ("PATCH", "/api/v1/users/424242", {"display_name": "x"}, 404, "user_not_found"),
        (
            "PATCH",
            "/api/v1/users/99999999999999999999",
            {"display_name": "x"},
            422,
            "validation_failed",
        ),
        ("PATCH", "/api/v1/users/abc", {"display_name": "x"}, 422, "validation_failed"),
        ("DELETE", "/api/v1/tokens/424242", None, 404, "token_not_found"),
        ("DELETE", "/api/v1/tokens/99999999999999999999", None, 422, "validation_failed"),
        ("DELETE", "/api/v1/tokens/0", None, 422, "validation_failed"),
        ("GET", "/api/v1/orgs/nope", None, 404, "organisation_not_found"),
        ("GET", "/api/v1/orgs/acme/apps/nope", None, 404, "application_not_found"),
        ("GET", "/api/v1/orgs/nope/apps/shop", None, 404, "organisation_not_found"),
        ("GET", "/api/v1/orgs/%00/members", None, 400, "invalid_characters"),
        ("GET", "/api/v1/orgs/" + "x" * 300 + "/apps", None, 404, "organisation_not_found"),
        ("GET", "/api/v1/orgs/acme/apps/%C3%A9", None, 404, "application_not_found"),
        ("GET", "/api/v1/orgs/acme/audit?action=%00", None, 400, "invalid_characters"),
        ("DELETE", "/api/v1/orgs/acme/members/nobody@example.com", None, 404, "member_not_found"),
        ("DELETE", "/api/v1/orgs/acme/members/%00", None, 400, "invalid_characters"),
        ("DELETE", "/api/v1/orgs/acme/members/bob@example.com%20x", None, 404, "member_not_found"),
        (
            "GET",
            "/api/v1/orgs/acme/audit?before=99999999999999999999",
            None,
            422,
            "validation_failed",
        ),
    ]
    for method, url, body, status, code in cases:
        r = await client.request(method, url, json=body, headers=owner.headers)
        assert (r.status_code, error_code(r)) == (status, code), url
    assert await snapshot(app) == before


async def test_huge_bodies(owner: SignedIn, client: AsyncClient, app: TradewindApp) -> None:
    before = await snapshot(app)
    limit = app.ctx.settings.max_request_body_size
    huge = b'{"name": "newco", "display_name": "' + b"x" * limit + b'"}'
    r = await client.post("/api/v1/orgs", content=huge, headers=owner.headers | JSON)
    assert r.status_code == 413
    assert error_code(r) == "payload_too_large"

    async def chunks():  # type: ignore[no-untyped-def]  # no Content-Length: streamed
        for start in range(0, len(huge), 64 * 1024):
            yield huge[start : start + 64 * 1024]

    r = await client.post("/api/v1/orgs", content=chunks(), headers=owner.headers | JSON)
    assert r.status_code == 413
    assert error_code(r) == "payload_too_large"
    assert await snapshot(app) == before
