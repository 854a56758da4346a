"""/docs in a real browser with every request off this server refused, as on a machine without
internet: Swagger UI renders the API, and the dashboard links to it."""

from __future__ import annotations

import pytest
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD, Server
from playwright.sync_api import Page, Route, expect

pytestmark = [pytest.mark.once, pytest.mark.xdist_group("browser")]


def test_docs_offline(page: Page, server: Server) -> None:
    refused: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.goto("/dashboard/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="API docs").click()
    # Swagger UI parses the whole OpenAPI document (about 200 KB) before it shows anything.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Tradewind", timeout=60_000)
    expect(page.locator(".opblock-summary-path[data-path='/api/v1/auth/login']")).to_be_visible()
    assert refused == []
    assert page.problems == []  # type: ignore[attr-defined]
