"""End to end in Chromium against a real server process: a release engineer sets a release's
guard on the release page, devices report failures through the event ingest, the server's own
guard loop pauses the release, and the page and the audit trail show it with its figures."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fixtures.dashboard import (
    CHROMIUM_ARGS,
    api_token,
    bundle_zip,
    run_server,
    signed_in_client,
)
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD, Server
from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = [pytest.mark.once, pytest.mark.xdist_group("guards-browser")]

CHROMIUM = Path("/usr/bin/chromium")
ORG = "guarded"
API = f"/api/v1/orgs/{ORG}/apps/app"
MANIFEST = json.dumps({"index": "index.android.bundle", "lazy": ["img/**"]})
# Upper bound for the server's flush and guard loops (15 s by default); not a timing claim.
TRIP_DEADLINE = 120.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_server(tmp_path_factory.mktemp("guard-browser")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is required for the browser tests")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


def seed(server: Server, tmp: Path) -> tuple[dict[str, str], int]:
    """An application with a baseline for everyone and a second release rolling out at 10%."""
    headers = api_token(server, ADMIN_EMAIL, ADMIN_PASSWORD)
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as api:
        assert api.post("/api/v1/orgs", json={"name": ORG}).status_code == 201
        assert api.post(f"/api/v1/orgs/{ORG}/apps", json={"name": "app"}).status_code == 201
        for marker in ("a", "b"):
            archive = bundle_zip(tmp, f"{marker}.zip", marker)
            files = {"archive": (archive.name, archive.read_bytes(), "application/zip")}
            uploaded = api.post(f"{API}/bundles", files=files, data={"manifest": MANIFEST})
            assert uploaded.status_code == 201, uploaded.text
        assert api.post(f"{API}/releases", json={"package_version": 1}).status_code == 201
        created = api.post(f"{API}/releases", json={"package_version": 2, "percentage": 10})
        release_id = int(created.json()["id"])
        ramped = api.post(f"{API}/releases/{release_id}/ramp", json={"percentage": 10})
        assert ramped.status_code == 200, ramped.text
    return headers, release_id


def report_failures(server: Server, headers: dict[str, str], release_id: int, n: int) -> None:
    key = httpx.get(f"{server.url}{API}", headers=headers).json()["ingest_key"]
    events = [
        {
            "org_id": ORG,
            "app_id": "app",
            "device_id": f"device-{i}",
            "event_type": "APPLY_FAILURE",
            "release_id": str(release_id),
            "target_js_version": "2",
        }
        for i in range(n)
    ]
    deadline = time.monotonic() + 15  # the ingest knows a release once its snapshot has it
    while True:
        answer = httpx.post(
            f"{server.url}/analytics/events", json=events, headers={"x-ingest-key": key}
        )
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert answer.status_code == 200, answer.text


def wait_until_paused(server: Server, headers: dict[str, str], release_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + TRIP_DEADLINE
    while True:
        release: dict[str, Any] = httpx.get(
            f"{server.url}{API}/releases/{release_id}", headers=headers
        ).json()
        if release["status"] == "paused" or time.monotonic() > deadline:
            return release
        time.sleep(0.5)


def signed_in_page(browser: Browser, server: Server) -> Page:
    client = signed_in_client(server, ADMIN_EMAIL, ADMIN_PASSWORD)
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    cookie = {"name": "tw_session", "value": client.cookies["tw_session"], "url": server.url}
    context.add_cookies([cookie])  # type: ignore[list-item]
    return context.new_page()


def test_guard_set_in_the_browser_pauses_a_bad_release(
    browser: Browser, server: Server, tmp_path: Path
) -> None:
    headers, release_id = seed(server, tmp_path)
    page = signed_in_page(browser, server)
    page.goto(f"/dashboard/orgs/{ORG}/apps/app/releases/{release_id}")
    panel = page.locator("#release-guard")
    expect(panel).to_contain_text("none: this release is not guarded")

    panel.get_by_text("Give this release its own guard").click()
    panel.get_by_label("Minimum sample").fill("20")
    panel.get_by_label("Maximum failure rate (%)").fill("10")
    panel.get_by_role("button", name="Save guard").click()
    expect(page.get_by_text(f"Release {release_id} has its own rollout guard now.")).to_be_visible()
    expect(panel).to_contain_text("this release’s own")
    expect(panel).to_contain_text("20 installs and failures")

    report_failures(server, headers, release_id, 30)
    release = wait_until_paused(server, headers, release_id)
    assert release["status"] == "paused", release
    assert release["history"][-1]["actor"] == "guard"

    page.reload()
    notice = page.locator(".guard-tripped")
    expect(notice).to_contain_text("Paused by the rollout guard")
    expect(notice).to_contain_text("30 failures in 30 installs and failures")
    expect(notice).to_contain_text("above the 10% limit")
    page.goto(f"/dashboard/orgs/{ORG}/apps/app/audit")
    row = page.locator("table.events tbody tr").first  # newest first
    expect(row.locator("td").nth(1)).to_have_text("guard")
    expect(row.locator("td").nth(3)).to_have_text("release.pause")
    expect(row.locator("td").nth(4)).to_contain_text("in_progress → paused")
    page.context.close()
