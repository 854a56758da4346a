"""Every dashboard page at phone width (390 px) in a real browser: nothing makes a page scroll
sideways (wide tables scroll inside their own frame). The pages are every `GET` route of
fixtures.dashboard_routes, filled with a seeded organisation, application, packages, a release
and a dimension, and visited as the site administrator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from fixtures.dashboard import api_token, bundle_zip
from fixtures.dashboard_routes import DASHBOARD_ROUTES
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD, Server
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.once, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}
ORG, APP = "phoneco", "phone-app"
# Not pages: an HTML fragment for a form field, and a key file download.
NOT_PAGES = ("/releases/range-hint", ".pem")


def seed(server: Server, tmp: Path) -> dict[str, str]:
    headers = api_token(server, ADMIN_EMAIL, ADMIN_PASSWORD)
    api = f"{server.url}/api/v1/orgs"
    assert httpx.post(api, headers=headers, json={"name": ORG}).status_code == 201
    assert httpx.post(f"{api}/{ORG}/apps", headers=headers, json={"name": APP}).status_code == 201
    app = f"{api}/{ORG}/apps/{APP}"
    dimension = {"name": "country", "type": "string"}
    assert httpx.post(f"{app}/dimensions", headers=headers, json=dimension).status_code == 201
    for name in ("one", "two"):
        archive = bundle_zip(tmp, f"{name}.zip", name)
        answer = httpx.post(
            f"{app}/bundles",
            headers=headers,
            files={"archive": (archive.name, archive.read_bytes(), "application/zip")},
            data={"manifest": json.dumps({"index": "index.android.bundle"})},
        )
        assert answer.status_code == 201, answer.text
    assert httpx.post(f"{app}/releases", headers=headers, json={"package_version": 1}).is_success
    created = httpx.post(f"{app}/releases", headers=headers, json={"package_version": 2})
    assert created.status_code == 201, created.text
    return {
        "org": ORG,
        "app": APP,
        "version": "2",
        "release_id": str(created.json()["id"]),
        "action": "ramp",
        "token": "twv_not-a-real-invitation",
    }


def pages(fill: dict[str, str]) -> list[str]:
    paths = [key.split(" ", 1)[1] for key in DASHBOARD_ROUTES if key.startswith("GET ")]
    return [
        "/dashboard" + re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], path)
        for path in paths
        if not path.endswith(NOT_PAGES)
    ]


def overflow(page: Page) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def test_every_page_fits_a_phone(page: Page, server: Server, tmp_path: Path) -> None:
    fill = seed(server, tmp_path)
    page.set_viewport_size(PHONE)
    page.goto("/dashboard/login")
    assert overflow(page) <= 0
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Organisations", exact=True)).to_be_visible()
    too_wide = {}
    for url in pages(fill):
        answer = page.goto(url)
        assert answer is not None and answer.status < 500, url
        if (extra := overflow(page)) > 0:
            too_wide[url] = extra
    assert not too_wide, f"wider than a phone (px): {too_wide}"
