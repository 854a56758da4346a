"""/docs works without internet: Swagger UI's files are served by the server itself."""

from __future__ import annotations

import re

from httpx import AsyncClient


async def test_docs_page_uses_local_assets(client: AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
    assert "cdn" not in page.text.lower()
    for source in sources:
        asset = await client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 500
    assert "/openapi.json" in page.text


async def test_no_page_that_needs_a_cdn(client: AsyncClient) -> None:
    assert (await client.get("/redoc")).status_code == 404
