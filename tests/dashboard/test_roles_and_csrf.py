"""Role-based hiding in the browser, and refusal of forged or token-less state changes by the
server (CSRF and roles), against the real server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fixtures.dashboard import (
    api_token,
    bundle_zip,
    csrf_of,
    signed_in_client,
)
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD, Server
from playwright.sync_api import Browser, Page, expect

# One browser and one server for these modules: one worker, one run (on SQLite).
pytestmark = [pytest.mark.once, pytest.mark.xdist_group("browser")]

READER, READER_PASSWORD = "reader@example.com", "quiet-lantern-93"
MANIFEST = json.dumps({"index": "index.android.bundle", "lazy": ["img/**"]})


def _upload(server: Server, headers: dict[str, str], org: str, archive: Path) -> None:
    response = httpx.post(
        f"{server.url}/api/v1/orgs/{org}/apps/app/bundles",
        headers=headers,
        files={"archive": (archive.name, archive.read_bytes(), "application/zip")},
        data={"manifest": MANIFEST},
    )
    assert response.status_code == 201, response.text


def seed(server: Server, org: str, tmp: Path) -> tuple[dict[str, str], int]:
    """An organisation with an app, a live release and a second one rolling out at 10%."""
    headers = api_token(server, ADMIN_EMAIL, ADMIN_PASSWORD)
    api = f"{server.url}/api/v1/orgs"
    assert httpx.post(api, headers=headers, json={"name": org}).status_code == 201
    assert httpx.post(f"{api}/{org}/apps", headers=headers, json={"name": "app"}).status_code == 201
    _upload(server, headers, org, bundle_zip(tmp, "a.zip", "a"))
    _upload(server, headers, org, bundle_zip(tmp, "b.zip", "b"))
    releases = f"{api}/{org}/apps/app/releases"
    assert httpx.post(releases, headers=headers, json={"package_version": 1}).status_code == 201
    created = httpx.post(releases, headers=headers, json={"package_version": 2, "percentage": 10})
    release_id = int(created.json()["id"])
    ramp = httpx.post(f"{releases}/{release_id}/ramp", headers=headers, json={"percentage": 10})
    assert ramp.status_code == 200, ramp.text
    return headers, release_id


def release_status(server: Server, headers: dict[str, str], org: str, release_id: int) -> str:
    url = f"{server.url}/api/v1/orgs/{org}/apps/app/releases/{release_id}"
    return str(httpx.get(url, headers=headers).json()["status"])


def with_cookie(browser: Browser, server: Server, client: httpx.Client) -> Page:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 860})
    context.add_cookies(
        [{"name": "tw_session", "value": client.cookies["tw_session"], "url": server.url}]
    )
    return context.new_page()


@pytest.fixture(scope="module")
def reader(server: Server) -> None:
    headers = api_token(server, ADMIN_EMAIL, ADMIN_PASSWORD)
    body = {"email": READER, "password": READER_PASSWORD}
    response = httpx.post(f"{server.url}/api/v1/users", headers=headers, json=body)
    assert response.status_code == 201, response.text


def test_read_member_sees_no_actions_and_is_refused(
    browser: Browser, server: Server, reader: None, tmp_path: Path
) -> None:
    org = "roles"
    headers, release_id = seed(server, org, tmp_path)
    app_url = f"/dashboard/orgs/{org}/apps/app"

    admin = with_cookie(browser, server, signed_in_client(server, ADMIN_EMAIL, ADMIN_PASSWORD))
    admin.goto(f"/dashboard/orgs/{org}/members")
    admin.get_by_label("Email").fill(READER)
    admin.get_by_label("Role", exact=True).select_option("read")
    admin.get_by_role("button", name="Add or invite").click()
    expect(admin.get_by_text(f"{READER} added as read.")).to_be_visible()
    admin.goto(f"{app_url}/releases/{release_id}")
    expect(admin.get_by_role("button", name="Review ramp…")).to_be_visible()
    expect(admin.get_by_role("link", name="Conclude…")).to_be_visible()
    admin.context.close()

    reader_client = signed_in_client(server, READER, READER_PASSWORD)
    page = with_cookie(browser, server, reader_client)
    pages = ["", "/packages", "/packages/1", "/releases", f"/releases/{release_id}",
             "/dimensions", "/settings", "/members", "/explain"]  # fmt: skip
    for path in pages:
        page.goto(app_url + path)
        expect(page.locator(".role-chip")).to_contain_text("read")
        # The only state-changing form a reader is shown is "Sign out".
        forms = page.locator("form[method=post]:not([action$='/logout'])")
        expect(forms).to_have_count(0)
        for label in ("New release", "Upload bundle", "Conclude…", "Pause…", "Discard…"):
            expect(page.get_by_role("link", name=label)).to_have_count(0)
    for path in ("/releases/new", f"/releases/{release_id}/confirm/conclude", "/packages/upload"):
        response = page.goto(app_url + path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    page.context.close()

    # A forged POST with the reader's own valid CSRF token is refused by the server anyway.
    token = csrf_of(reader_client.get("/dashboard/").text)
    for path, data in [
        (f"{app_url}/releases/{release_id}/conclude", {}),
        (f"{app_url}/releases/{release_id}/ramp", {"percentage": "100"}),
        (f"{app_url}/dimensions", {"name": "country", "type": "string"}),
        (f"/dashboard/orgs/{org}/members", {"email": READER, "role": "owner"}),
    ]:
        response = reader_client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, (path, response.text)
        assert "insufficient_role" in response.text
    assert release_status(server, headers, org, release_id) == "in_progress"
    dims = httpx.get(f"{server.url}/api/v1/orgs/{org}/apps/app/dimensions", headers=headers)
    assert dims.json() == []


def test_state_changes_without_the_right_csrf_token_are_refused(
    server: Server, reader: None, tmp_path: Path
) -> None:
    org = "csrf"
    headers, release_id = seed(server, org, tmp_path)
    admin = signed_in_client(server, ADMIN_EMAIL, ADMIN_PASSWORD)
    token = csrf_of(admin.get("/dashboard/").text)
    other_token = csrf_of(signed_in_client(server, READER, READER_PASSWORD).get("/dashboard/").text)
    conclude = f"/dashboard/orgs/{org}/apps/app/releases/{release_id}/conclude"
    attempts = [
        ("/dashboard/orgs", {"name": "forged"}, {}),
        ("/dashboard/orgs", {"name": "forged", "csrf_token": "0" * 64}, {}),
        ("/dashboard/orgs", {"name": "forged", "csrf_token": other_token}, {}),
        ("/dashboard/orgs", {"name": "forged"}, {"X-CSRF-Token": "nope"}),
        (
            "/dashboard/orgs",
            {"name": "forged", "csrf_token": token},
            {"Origin": "https://evil.test"},
        ),
        (conclude, {}, {}),
        (conclude, {"csrf_token": other_token}, {}),
        ("/dashboard/logout", {}, {}),
    ]
    for path, data, extra in attempts:
        response = admin.post(path, data=data, headers=extra)
        assert response.status_code == 403, (path, data, extra, response.status_code)
        assert "csrf_failed" in response.text
    orgs = httpx.get(f"{server.url}/api/v1/orgs", headers=headers).json()
    assert "forged" not in [o["name"] for o in orgs]
    assert release_status(server, headers, org, release_id) == "in_progress"
    assert admin.get("/dashboard/").status_code == 200  # still signed in

    # The sign-in form is protected too: no pre-session cookie, no sign-in.
    anonymous = httpx.Client(base_url=server.url)
    page = anonymous.get("/dashboard/login")
    login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": csrf_of(page.text)}
    anonymous.cookies.clear()
    refused = anonymous.post("/dashboard/login", data=login)
    assert refused.status_code == 403
    assert "tw_session" not in refused.cookies

    # With the right token (in the form or in the HTMX header) the same requests work.
    created = admin.post("/dashboard/orgs", data={"name": "genuine", "csrf_token": token})
    assert created.status_code == 303
    concluded = admin.post(conclude, headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert concluded.status_code == 200
    assert concluded.headers["HX-Redirect"].endswith(f"/releases/{release_id}")
    assert release_status(server, headers, org, release_id) == "concluded"
