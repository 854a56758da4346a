"""The interactive API documentation at /docs, working without internet access: Swagger UI's
files are vendored in `swagger_ui/` (Apache-2.0, with its licence and notices) and served by
this server instead of a CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/docs/assets"
SWAGGER_UI = Path(__file__).parent / "swagger_ui"


def install_api_docs(api: FastAPI) -> None:
    """Mount Swagger UI's files and the /docs page (create the app with `docs_url=None`)."""
    api.mount(ASSETS, StaticFiles(directory=SWAGGER_UI), name="docs-assets")

    @api.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=api.openapi_url or "/openapi.json",
            title=f"{api.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )
