"""create_app(): the FastAPI management API with the device routes in front of it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from tradewind.accounts.api import router as accounts_router
from tradewind.analytics.api import router as analytics_router
from tradewind.assets.handler import PREFIX as ASSETS_PREFIX
from tradewind.assets.handler import asset_handler
from tradewind.audit.api import router as audit_router
from tradewind.bundles.api import router as bundles_router
from tradewind.codepush.api import router as codepush_router
from tradewind.codepush.handler import PREFIXES as CODEPUSH_PREFIXES
from tradewind.codepush.setup import handler as codepush_handler
from tradewind.context import AppContext
from tradewind.dashboard.app import create_dashboard
from tradewind.dimensions.api import router as dimensions_router
from tradewind.experiments.api import router as experiments_router
from tradewind.expo import setup as expo_setup
from tradewind.expo.api import router as expo_router
from tradewind.expo.handler import PREFIX as EXPO_PREFIX
from tradewind.files.api import router as files_router
from tradewind.guards.api import router as guards_router
from tradewind.health.api import router as health_router
from tradewind.invitations.api import router as invitations_router
from tradewind.keys.api import router as keys_router
from tradewind.members.api import router as members_router
from tradewind.metrics.api import router as metrics_router
from tradewind.oidc.api import router as oidc_router
from tradewind.orgs.api import router as orgs_router
from tradewind.packages.api import router as packages_router
from tradewind.releases.api import router as releases_router
from tradewind.remoteconfig.api import router as remoteconfig_router
from tradewind.saved_views.api import router as saved_views_router
from tradewind.serving.handler import DEVICE_PREFIXES
from tradewind.serving.setup import device_handler
from tradewind.settings import Settings, get_settings
from tradewind.signals.api import router as signals_router
from tradewind.tokens.api import router as tokens_router
from tradewind.web.apidocs import install_api_docs
from tradewind.web.errors import error_responses, install_error_handlers
from tradewind.web.guards import RejectNul, TooLargeAsEnvelope
from tradewind.web.telemetry import RequestTelemetry
from tradewind.webhooks.api import router as webhooks_router

log = logging.getLogger("tradewind")


# Every API route may answer 413 (body limit) and 503 (database unavailable).
API_ERRORS = error_responses(400, 401, 403, 404, 413, 422, 503)
SHUTDOWN_GRACE_SECONDS = 5.0


def _upload_router() -> APIRouter:
    """File and bundle routes, outside the API-wide body limiter: uploads stream to disk and
    enforce their own limits (with precise error codes), and no wrapper sees each chunk. The
    other routes here read no body, or set their own `max_body_size` (`/files/check`)."""
    uploads = APIRouter(prefix="/api/v1", responses=API_ERRORS)
    uploads.include_router(files_router)
    uploads.include_router(bundles_router)
    return uploads


def _api_router(settings: Settings) -> APIRouter:
    # Bodies are limited API-wide; a router that streams large uploads itself must be
    # included with its own `max_body_size=`.
    api = APIRouter(
        prefix="/api/v1", responses=API_ERRORS, max_body_size=settings.max_request_body_size
    )
    api.include_router(accounts_router)
    api.include_router(orgs_router)
    api.include_router(packages_router)
    api.include_router(members_router)
    api.include_router(tokens_router)
    api.include_router(audit_router)
    api.include_router(dimensions_router)
    api.include_router(releases_router)
    api.include_router(analytics_router)
    api.include_router(guards_router)
    api.include_router(oidc_router)
    api.include_router(keys_router)
    # A CodePush release is a bundle archive: limited like a bundle upload, plus its form.
    archive_limit = settings.max_archive_total_size + 16 * 1024 * 1024
    api.include_router(codepush_router, max_body_size=archive_limit)
    api.include_router(expo_router)
    api.include_router(remoteconfig_router)
    api.include_router(experiments_router)
    api.include_router(saved_views_router)
    api.include_router(invitations_router)
    api.include_router(webhooks_router)
    return api


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel background loops; never let one that ignores cancellation hang the shutdown."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_SECONDS)
    for task in pending:
        log.warning("background task %s did not stop within %.0f s", task, SHUTDOWN_GRACE_SECONDS)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    ctx: AppContext = app.state.ctx
    for hook in ctx.startup:
        await hook(ctx)
    tasks = [asyncio.create_task(task(ctx)) for task in ctx.background]
    try:
        yield
    finally:
        await _stop(tasks)
        for hook in ctx.shutdown:
            await hook(ctx)
        await ctx.blob_store.close()
        await ctx.db.dispose()


def create_api(ctx: AppContext) -> FastAPI:
    api = FastAPI(
        title="Tradewind",
        version="0.1.0",
        description="Self-hosted over-the-air update server for mobile apps.",
        lifespan=_lifespan,
        docs_url=None,  # served by install_api_docs, without a CDN
        redoc_url=None,  # ReDoc loads from a CDN only: blank on a machine without internet
    )
    api.state.ctx = ctx
    install_error_handlers(api)
    install_api_docs(api)
    api.add_middleware(TooLargeAsEnvelope)
    api.add_middleware(RejectNul)
    api.add_middleware(RequestTelemetry, metrics=ctx.settings.metrics_enabled)
    api.include_router(health_router)
    if ctx.settings.metrics_enabled:
        api.include_router(metrics_router)
    api.include_router(signals_router)  # /analytics/events: public, device-facing
    api.include_router(_api_router(ctx.settings))
    api.include_router(_upload_router())

    api.mount("/dashboard", create_dashboard(ctx))

    @api.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/dashboard/")

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
    return assemble_app(ctx, create_api(ctx))


def assemble_app(ctx: AppContext, api: FastAPI) -> TradewindApp:
    """`api` (from create_api, bound to `ctx`) behind the device path's fast routes."""
    app = TradewindApp(ctx, api)
    assets = asset_handler(ctx.blob_store, ctx.db, ctx.settings.compression_enabled)
    if assets is not None:  # local storage; with S3, devices download from the bucket/CDN
        app.mount_fast(ASSETS_PREFIX, assets)
    devices = device_handler(ctx)
    for prefix in DEVICE_PREFIXES:  # "/release/", "/api/releases/" (never /api/v1)
        app.mount_fast(prefix, devices)
    codepush = codepush_handler(ctx)
    for prefix in CODEPUSH_PREFIXES:
        app.mount_fast(prefix, codepush)
    app.mount_fast(EXPO_PREFIX, expo_setup.handler(ctx, assets))
    return app
