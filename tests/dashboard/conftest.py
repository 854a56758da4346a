"""Browser fixtures: one Tradewind server subprocess and one headless Chromium per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.dashboard import CHROMIUM_ARGS, run_server
from fixtures.servers import Server
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_server(tmp_path_factory.mktemp("dashboard-server")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Browser]:
    """Module-scoped: Playwright's sync API marks an event loop as running in this thread
    while it is open, which asyncio tests (and `asyncio.run`) elsewhere cannot share. It
    depends on `server` so the server (and its database) is set up first."""
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's chromium is required for the dashboard tests (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=server.url, viewport=DESKTOP)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that records Content-Security-Policy violations and script errors (failed
    loads, such as the deliberate 422 of a form with errors, are not problems)."""
    tab = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(message.text)

    tab.on("console", on_console)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.problems = problems  # type: ignore[attr-defined]
    yield tab
