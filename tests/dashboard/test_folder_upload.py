"""Folder upload in a real browser: pick a bundle folder (as the bundler left it), the page packs
it into a zip, uploads it with the progress bar, and the package has the folder's files under
their paths inside the folder; the package page fits a phone."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.once, pytest.mark.xdist_group("browser")]

ORG, APP = "folders", "shop"
PROGRESS_PROBE = """
document.addEventListener("htmx:xhr:progress", () => setTimeout(() => {
  const bar = document.getElementById("upload-progress");
  if (bar) sessionStorage.setItem("tw-progress", String(Math.max(bar.value,
    Number(sessionStorage.getItem("tw-progress") || 0))));
}, 0));
"""
FILES = {
    "index.android.bundle": b"console.log('from a folder');\n" * 3000,
    "chunks/1.js": b"chunk one",
    "assets/img/logo.png": b"\x89PNG" + bytes(range(256)) * 8,
    "assets/ünïcode name.json": b'{"k": 1}',
}


def test_folder_upload(page: Page, tmp_path: Path) -> None:
    build = tmp_path / "build"
    for path, data in FILES.items():
        (build / path).parent.mkdir(parents=True, exist_ok=True)
        (build / path).write_bytes(data)
    page.add_init_script(PROGRESS_PROBE)
    page.goto("/dashboard/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Name", exact=True).fill(ORG)
    page.get_by_role("button", name="Create organisation").click()
    page.get_by_label("Name", exact=True).fill(APP)
    page.get_by_role("button", name="Create application").click()
    expect(page.get_by_role("heading", name="Nothing is live yet")).to_be_visible()

    page.goto(f"/dashboard/orgs/{ORG}/apps/{APP}/packages/upload")
    page.get_by_label("Or a folder").set_input_files(build)
    expect(page.locator("#folder-status")).to_have_text("Folder build: 4 files, ready to upload.")
    page.get_by_label("Lazy files (globs, optional)").fill("assets/**")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Package 1")).to_be_visible()
    progress = page.evaluate("sessionStorage.getItem('tw-progress')")
    assert progress is not None and int(progress) > 0

    digest = hashlib.sha256(FILES["index.android.bundle"]).hexdigest()
    index_row = page.get_by_role("row").filter(has_text="index.android.bundle")
    expect(index_row).to_contain_text(digest)
    for path, kind in (
        ("chunks/1.js", "important"),
        ("assets/img/logo.png", "lazy"),
        ("assets/ünïcode name.json", "lazy"),
    ):
        expect(page.get_by_role("row").filter(has_text=path)).to_contain_text(kind)
    expect(page.get_by_text("build/")).to_have_count(0)

    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the package page is {overflow}px wider than a phone"
    assert page.problems == []  # type: ignore[attr-defined]
