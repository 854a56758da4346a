"""The release engineer's story in a real browser against a real server: sign in, create an
organisation and an application, upload bundles, release to a target at 10%, ramp to 50%,
conclude, roll back — checking the device document after every step."""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from pathlib import Path

import pytest
from fixtures.dashboard import (
    bundle_zip,
    package_version,
    wait_for_device,
)
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD, Server
from playwright.sync_api import Page, expect

from tradewind.targeting.bucket import bucket

# One browser and one server for these modules: one worker, one run (on SQLite).
pytestmark = [pytest.mark.once, pytest.mark.xdist_group("browser")]

ORG, APP = "acme", "shop"
ANDROID, IOS = "os=android", "os=ios"
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
# The documentation's screenshots are taken again only when asked: a test run leaves the
# checkout as it found it.
UPDATE_SCREENSHOTS = os.environ.get("TRADEWIND_UPDATE_SCREENSHOTS") == "1"
# Remembers the highest upload progress the page showed, across the redirect that follows.
PROGRESS_PROBE = """
document.addEventListener("htmx:xhr:progress", () => setTimeout(() => {
  const bar = document.getElementById("upload-progress");
  if (bar) sessionStorage.setItem("tw-progress", String(Math.max(bar.value,
    Number(sessionStorage.getItem("tw-progress") || 0))));
}, 0));
"""


def tosses(release_id: int) -> dict[str, str]:
    """Device identifiers below 10%, between 10% and 50%, and above 50% of a release."""
    found: dict[str, str] = {}
    for n in range(5000):
        toss = f"device-{n}"
        b = bucket(str(release_id), toss)
        key = "low" if b < 1000 else "mid" if b < 5000 else "high"
        found.setdefault(key, toss)
        if len(found) == 3:
            return found
    raise AssertionError("no identifiers found for every band")


def device(server: Server, dims: str, toss: str | None, version: str | None) -> dict[str, object]:
    """Wait until the device gets `version` (None: a 404) and return the document."""
    response = wait_for_device(
        server, ORG, APP, dims, toss, lambda r: package_version(r) == version
    )
    assert package_version(response) == version, (dims, toss, response.status_code, response.text)
    if response.status_code != 200:  # device errors are plain text, never a JSON object
        return {}
    return response.json()  # type: ignore[no-any-return]


def sign_in(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/dashboard/login"))
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Organisations", exact=True)).to_be_visible()


def create_org_and_app(page: Page) -> None:
    page.get_by_label("Name", exact=True).fill(ORG)
    page.get_by_label("Display name").fill("Acme Inc.")
    page.get_by_role("button", name="Create organisation").click()
    expect(page.get_by_text(f"Organisation {ORG} created.")).to_be_visible()
    page.get_by_label("Name", exact=True).fill(APP)
    page.get_by_label("Display name").fill("Shop (Android)")
    page.get_by_role("button", name="Create application").click()
    expect(page.get_by_role("heading", name="Nothing is live yet")).to_be_visible()


def add_dimension(page: Page) -> None:
    page.get_by_role("link", name="Dimensions", exact=True).click()
    page.get_by_label("Name", exact=True).fill("os")
    page.get_by_label("Type").select_option("string")
    page.get_by_label("Description").fill("Operating system of the device")
    page.get_by_role("button", name="Add dimension").click()
    expect(page.get_by_text("Dimension os created.")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("country")
    page.get_by_role("button", name="Add dimension").click()
    rows = page.locator("#dimension-table tbody tr")
    expect(rows.first).to_contain_text("country")  # new dimensions get the top priority
    page.get_by_role("button", name="Lower priority of country").click()  # HTMX swap
    expect(rows.first).to_contain_text("os")
    expect(page.get_by_role("button", name="Raise priority of os")).to_be_disabled()


def upload(page: Page, app_url: str, archive: Path, version: int) -> None:
    page.goto(f"{app_url}/packages/upload")
    page.get_by_label("Archive").set_input_files(archive)
    page.get_by_label("Lazy files (globs, optional)").fill("img/**")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name=f"Package {version}")).to_be_visible()
    with zipfile.ZipFile(archive) as bundle:
        index = bundle.read("index.android.bundle")
    row = page.get_by_role("row").filter(has_text="index.android.bundle")
    expect(row).to_contain_text(hashlib.sha256(index).hexdigest())
    expect(page.get_by_role("row").filter(has_text="img/logo.png")).to_contain_text("lazy")


def create_release(page: Page, app_url: str, package: int, percentage: str) -> int:
    page.goto(f"{app_url}/releases/new")
    page.get_by_label("Package", exact=True).select_option(str(package))
    page.get_by_label("Comparison for os").select_option("eq")
    page.get_by_label("Value for os").fill("android")
    page.get_by_label("Initial rollout percentage").fill(percentage)
    page.get_by_label("Config properties (JSON object)").fill('{"checkout_v2": true}')
    page.get_by_role("button", name="Create release").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Release \d+"))).to_be_visible()
    return int(page.url.rsplit("/", 1)[1])


def confirm(page: Page, button: str, preview: str, confirm_label: str) -> None:
    page.get_by_role("link", name=button).click()
    box = page.locator("#confirm-panel")
    expect(box).to_contain_text(preview)
    box.get_by_role("button", name=confirm_label).click()


def test_release_story(page: Page, server: Server, tmp_path: Path) -> None:
    shots = DOCS_IMG if UPDATE_SCREENSHOTS else tmp_path
    page.context.add_init_script(PROGRESS_PROBE)
    app_url = f"/dashboard/orgs/{ORG}/apps/{APP}"
    sign_in(page)
    create_org_and_app(page)
    add_dimension(page)
    upload(page, app_url, bundle_zip(tmp_path, "v1.zip", "one"), 1)
    assert page.evaluate("sessionStorage.getItem('tw-progress')") == "100"
    upload(page, app_url, bundle_zip(tmp_path, "v2.zip", "two"), 2)
    device(server, ANDROID, None, None)  # nothing is live yet: 404

    # The first release: a form error keeps every entered value, then it goes live at once.
    page.goto(f"{app_url}/releases/new")
    expect(page.get_by_text("This is the first release of this channel")).to_be_visible()
    page.get_by_label("Package", exact=True).select_option("1")
    page.get_by_label("Comparison for os").select_option("eq")
    page.get_by_label("Value for os").fill("android")
    page.get_by_label("Config properties (JSON object)").fill("{oops")
    page.get_by_label("Notes").fill("first android release")
    page.get_by_role("button", name="Create release").click()
    expect(page.get_by_text("Not valid JSON")).to_be_visible()
    expect(page.get_by_label("Config properties (JSON object)")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_label("Notes")).to_have_value("first android release")
    expect(page.get_by_label("Value for os")).to_have_value("android")
    expect(page.get_by_label("Package", exact=True)).to_have_value("1")
    page.get_by_label("Config properties (JSON object)").fill('{"checkout_v2": false}')
    page.get_by_role("button", name="Create release").click()
    expect(page.get_by_text("is live for everyone it targets")).to_be_visible()
    first = int(page.url.rsplit("/", 1)[1])
    doc = device(server, ANDROID, "device-x", "1")
    assert doc["config"]["properties"] == {"checkout_v2": False}  # type: ignore[index]
    device(server, IOS, "device-x", None)

    # A targeted release at 10%, started from the keyboard.
    second = create_release(page, app_url, 2, "10")
    ids = tosses(second)
    page.get_by_label("Start at (%)").focus()
    page.keyboard.press("Enter")
    panel = page.locator("#confirm-panel")
    expect(panel).to_contain_text("10% of them (by device identifier) switch to package 2")
    expect(panel).to_contain_text(f"keep release {first} (package 1)")
    expect(panel.locator("#confirm-heading")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Release {second} is rolling out to 10%.")).to_be_visible()
    device(server, ANDROID, ids["low"], "2")
    device(server, ANDROID, ids["mid"], "1")
    device(server, ANDROID, None, "1")

    # Ramp to 50%.
    page.get_by_label("Ramp to (%)").fill("50")
    page.get_by_role("button", name="Review ramp…").click()
    expect(panel).to_contain_text("40% more of them")
    panel.get_by_role("button", name=f"Confirm: ramp release {second} to 50%").click()
    expect(page.get_by_text(f"Release {second} is rolling out to 50%.")).to_be_visible()
    device(server, ANDROID, ids["mid"], "2")
    device(server, ANDROID, ids["high"], "1")
    expect(page.locator(".others")).to_contain_text(f"release {first} · package 1")
    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", name="Rollouts in progress")).to_be_visible()
    expect(page.locator(".rollouts")).to_contain_text("50%")
    page.screenshot(path=str(shots / "dashboard-overview.png"), full_page=True)

    # Conclude: every Android device, with or without an identifier, gets package 2.
    page.goto(f"{app_url}/releases/{second}")
    page.get_by_role("link", name="Conclude…").click()
    expect(panel).to_contain_text(
        f"Release {first} (package 1), the current baseline, is superseded"
    )
    page.screenshot(path=str(shots / "dashboard-release.png"), full_page=True)
    panel.get_by_role("button", name=f"Confirm: conclude release {second}").click()
    expect(page.get_by_text(f"Release {second} concluded.")).to_be_visible()
    device(server, ANDROID, ids["high"], "2")
    device(server, ANDROID, None, "2")
    device(server, IOS, None, None)

    # Roll back to the first release: its content comes back as a new release.
    page.goto(f"{app_url}/releases/{first}")
    confirm(
        page,
        "Roll back to this release…",
        f"Release {second} (package 2), the current baseline of this target, is superseded",
        f"Confirm: roll back to release {first}",
    )
    expect(page.get_by_text(re.compile(r"Rolled back: release \d+ serves release"))).to_be_visible()
    third = int(page.url.rsplit("/", 1)[1])
    assert third not in (first, second)
    for toss in (ids["low"], ids["high"], None):
        doc = device(server, ANDROID, toss, "1")
        assert doc["config"]["version"] == str(third)  # type: ignore[index]
    expect(page.locator(".history")).to_contain_text("rollback")

    # The overview says who gets what now, and the audit trail shows both releases.
    page.get_by_role("link", name="Overview").click()
    audience = page.get_by_role("row").filter(has_text="os = android")
    expect(audience).to_contain_text(f"release {third} · package 1")
    expect(page.get_by_text("No rollout in progress.")).to_be_visible()
    expect(page.locator(".event-list")).to_contain_text(f"rolled back: release {third} restores")

    # Explain: which release a device gets and why.
    page.get_by_role("link", name="Explain", exact=True).click()
    page.get_by_label("Device context (x-dimension)").fill("os=android;country=in")
    page.get_by_label("Device identifier (optional)").fill(ids["low"])
    page.get_by_role("button", name="Explain").click()
    expect(page.locator(".verdict")).to_contain_text(f"Gets release {third}.")
    expect(page.locator("tr.winner")).to_contain_text(f"release {third}")

    # Phone width: nothing overflows the viewport; wide tables scroll inside their box.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/releases/new", f"/releases/{third}", ""):
        page.goto(app_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    page.screenshot(path=str(shots / "dashboard-phone.png"), full_page=False)
    assert page.problems == []  # type: ignore[attr-defined]  # no CSP violation, no JS error
