"""HTTP details the fuzzer found wrong (finding 9): 405 names the allowed methods, HEAD on a
file carries a Content-Type."""

from __future__ import annotations

import pytest
from fixtures.files import FilesKit, make_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> FilesKit:
    return await make_kit(app, client, users)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/auth/login", {"POST"}),
        ("PUT", "/api/v1/orgs", {"GET", "HEAD", "POST"}),
        ("POST", "/api/v1/me", {"GET", "HEAD"}),
        ("PATCH", "/health/ready", {"GET", "HEAD"}),
    ],
)
async def test_405_lists_allowed_methods(
    client: AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    r = await client.request(method, path)
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"
    assert {m.strip() for m in r.headers["allow"].split(",")} == allowed


async def test_head_on_a_file_has_a_content_type(kit: FilesKit) -> None:
    await kit.uploaded("index.js", b"console.log(1)")
    r = await kit.client.head(f"{kit.base}/files/index.js", headers=kit.owner.headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-file-size"] == "14"


async def test_openapi_declares_body_limit_and_database_outage_everywhere(
    client: AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    missing = [
        (method, path, status)
        for path, operations in spec["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
        for status in ("413", "503")
        if status not in operation["responses"]
    ]
    assert missing == []


async def test_openapi_declares_the_upload_checksum_required(client: AsyncClient) -> None:
    operation = (await client.get("/openapi.json")).json()["paths"][
        "/api/v1/orgs/{org}/apps/{app}/files/{path}"
    ]["put"]
    headers = {p["name"].lower(): p for p in operation["parameters"] if p["in"] == "header"}
    checksum = headers.pop("x-checksum-sha256")
    assert checksum["required"] is True
    assert checksum["schema"]["pattern"] == "^[0-9a-fA-F]{64}$"
    assert headers == {}  # Content-Type and Content-Length are the body's, not parameters
    assert {"400", "409", "413"} <= set(operation["responses"])


async def test_a_release_action_name_is_not_a_release_id(kit: FilesKit) -> None:
    # `explain` is POST only: PATCH there is a 405, not a 422 about a non-numeric release id.
    r = await kit.client.patch(f"{kit.base}/releases/explain", json={}, headers=kit.owner.headers)
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"


async def test_numbers_are_not_dates_and_not_booleans(kit: FilesKit) -> None:
    headers = kit.owner.headers
    adoption = await kit.client.get(
        f"{kit.base}/analytics/adoption", params={"until": "0.5"}, headers=headers
    )
    assert adoption.status_code == 422
    iso = await kit.client.get(
        f"{kit.base}/analytics/adoption", params={"until": "2026-05-01T12:00:00Z"}, headers=headers
    )
    assert iso.status_code == 200, iso.text
    body = {"index": {"path": "a.js"}, "mandatory": 1}
    release = await kit.client.post(f"{kit.base}/releases", json=body, headers=headers)
    assert release.status_code == 422
    error = release.json()["error"]
    assert error["code"] == "validation_failed"
    assert any("mandatory" in str(e["loc"]) for e in error["details"]["errors"]), error
