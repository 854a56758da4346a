"""create_app(): the FastAPI management API with the device routes in front of it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from tradewind.accounts.api import router as accounts_router
from tradewind.health.api import router as health_router
from tradewind.orgs.api import router as orgs_router
from tradewind.settings import Settings, get_settings
from tradewind.web.context import AppContext
from tradewind.web.errors import error_responses, install_error_handlers

log = logging.getLogger("tradewind")


API_ERRORS = error_responses(400, 401, 403, 404, 422)


def _api_router() -> APIRouter:
    api = APIRouter(prefix="/api/v1", responses=API_ERRORS)
    api.include_router(accounts_router)
    api.include_router(orgs_router)
    return api


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    ctx: AppContext = app.state.ctx
    tasks = [asyncio.create_task(task(ctx)) for task in ctx.background]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await ctx.db.dispose()


def create_api(ctx: AppContext) -> FastAPI:
    api = FastAPI(
        title="Tradewind",
        version="0.1.0",
        description="Self-hosted over-the-air update server for mobile apps.",
        lifespan=_lifespan,
    )
    api.state.ctx = ctx
    install_error_handlers(api)
    api.include_router(health_router)
    api.include_router(_api_router())

    @api.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    return api


class TradewindApp:
    """Routes device paths (hot, public) to raw ASGI handlers before FastAPI sees them."""

    def __init__(self, ctx: AppContext, api: FastAPI) -> None:
        self.ctx = ctx
        self.api = api
        self.fast_routes: list[tuple[str, ASGIApp]] = []

    def mount_fast(self, prefix: str, handler: ASGIApp) -> None:
        self.fast_routes.append((prefix, handler))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            for prefix, handler in self.fast_routes:
                if path.startswith(prefix):
                    await handler(scope, receive, send)
                    return
        await self.api(scope, receive, send)


def create_app(settings: Settings | None = None) -> TradewindApp:
    """ASGI application factory (granian: `tradewind.app:create_app --factory`)."""
    ctx = AppContext.create(settings or get_settings())
    return TradewindApp(ctx, create_api(ctx))
