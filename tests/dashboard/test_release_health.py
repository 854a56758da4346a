"""Adoption and release-health charts in a real browser: device checks counted by a real
server, the SVG charts drawn on the application overview and the release page, the warning
about devices without an identifier, and no content-security-policy violation."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from fixtures.dashboard import api_token, bundle_zip
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD, Server
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.once, pytest.mark.xdist_group("browser")]

ORG, APP = "healthco", "app"
MANIFEST = json.dumps({"index": "index.android.bundle"})
COUNTED_DEADLINE = 30.0  # signals are flushed every few seconds; an upper bound, not a claim


def seed(server: Server, tmp: Path) -> tuple[int, int]:
    """A concluded baseline (package 1) and package 2 rolling out to every identified device."""
    headers = api_token(server, ADMIN_EMAIL, ADMIN_PASSWORD)
    api = f"{server.url}/api/v1/orgs"
    assert httpx.post(api, headers=headers, json={"name": ORG}).status_code == 201
    assert httpx.post(f"{api}/{ORG}/apps", headers=headers, json={"name": APP}).status_code == 201
    for name in ("one", "two"):
        archive = bundle_zip(tmp, f"{name}.zip", name)
        response = httpx.post(
            f"{api}/{ORG}/apps/{APP}/bundles",
            headers=headers,
            files={"archive": (archive.name, archive.read_bytes(), "application/zip")},
            data={"manifest": MANIFEST},
        )
        assert response.status_code == 201, response.text
    releases = f"{api}/{ORG}/apps/{APP}/releases"
    baseline = httpx.post(releases, headers=headers, json={"package_version": 1}).json()["id"]
    created = httpx.post(releases, headers=headers, json={"package_version": 2, "percentage": 100})
    release = int(created.json()["id"])
    assert httpx.post(f"{releases}/{release}/ramp", headers=headers).status_code == 200
    return int(baseline), release


def ask(server: Server, running: str, toss: str | None) -> httpx.Response:
    return httpx.get(
        f"{server.url}/release/{ORG}/{APP}",
        params={"toss": toss} if toss else None,
        headers={"x-package-version": running, "cache-control": "no-cache"},
    )


def check(server: Server, running: str, toss: str | None) -> str:
    response = ask(server, running, toss)
    assert response.status_code == 200, response.text
    return str(response.json()["package"]["version"])


def wait_for_rollout(server: Server) -> None:
    """Until the serving snapshot has caught up: the app may not be in it yet (404)."""
    deadline = time.monotonic() + COUNTED_DEADLINE
    while True:
        response = ask(server, "1", "probe")
        assert response.status_code in (200, 404), response.text
        if response.status_code == 200 and str(response.json()["package"]["version"]) == "2":
            return
        assert time.monotonic() < deadline
        time.sleep(0.1)


def send_checks(server: Server) -> None:
    wait_for_rollout(server)
    for n in range(4):
        check(server, "2" if n < 2 else "1", f"phone-{n}")
    check(server, "1", None)  # no identifier: stays on the baseline


def sign_in(page: Page) -> None:
    page.goto("/dashboard/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Organisations", exact=True)).to_be_visible()


def open_when_counted(page: Page, url: str, text: str) -> None:
    """Reload until the server has flushed the checks and the page shows `text`."""
    deadline = time.monotonic() + COUNTED_DEADLINE
    while True:
        page.goto(url)
        if page.get_by_text(text).count() or time.monotonic() > deadline:
            return
        time.sleep(0.5)


def test_adoption_and_health_charts(page: Page, server: Server, tmp_path: Path) -> None:
    baseline, release = seed(server, tmp_path)
    send_checks(server)
    sign_in(page)
    app_url = f"/dashboard/orgs/{ORG}/apps/{APP}"

    open_when_counted(page, app_url, "from 5 devices")
    adoption = page.locator("#app-adoption")
    # The probe's checks while waiting for the snapshot add to the count, not to the devices.
    expect(adoption).to_contain_text(re.compile(r"\d+ checks from 5 devices"))
    charts = adoption.locator("svg.line-chart")
    expect(charts).to_have_count(2)
    expect(charts.first).to_be_visible()
    assert charts.first.bounding_box()["width"] > 200  # type: ignore[index]
    expect(charts.first.locator("polyline.series")).to_have_count(2)
    expect(adoption.get_by_role("row", name="package 2")).to_contain_text("2")

    # Every worker's flush, the anonymous check's included (workers flush independently).
    open_when_counted(page, f"{app_url}/releases/{release}", "keep the previous release")
    health = page.locator("#release-health")
    expect(health.get_by_text("Devices served")).to_be_visible()
    warning = health.locator(".anonymous-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("keep the previous release until this rollout is concluded")
    expect(warning).to_contain_text("docs/analytics.md")
    # Adoption and outcomes; no failure-rate chart before any install or failure is reported.
    expect(health.locator("svg.line-chart")).to_have_count(2)
    expect(health.locator("svg.interval-chart")).to_have_count(0)
    expect(health.get_by_role("link", name=f"release {baseline}")).to_be_visible()
    for svg in health.locator("svg").all():
        expect(svg).to_be_visible()
    assert page.problems == []  # type: ignore[attr-defined]
