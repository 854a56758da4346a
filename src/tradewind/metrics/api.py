"""GET /metrics: the Prometheus text exposition, optionally behind a bearer token."""

from __future__ import annotations

import asyncio
import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client.core import Metric

from tradewind.context import AppContext
from tradewind.errors import Unauthorized
from tradewind.metrics.exposition import CONTENT_TYPE, backlog_family, render
from tradewind.metrics.setup import publish
from tradewind.models.base import utcnow
from tradewind.outbox.repository import backlog
from tradewind.web.deps import Ctx, bearer_token

log = logging.getLogger("tradewind.metrics")
router = APIRouter(tags=["operations"])


def _check_token(ctx: AppContext, request: Request) -> None:
    expected = ctx.settings.metrics_token
    if expected is None or not expected.get_secret_value():
        return
    given = bearer_token(request) or ""
    if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise Unauthorized("send the metrics bearer token", code="metrics_token_required")


async def _scraped(ctx: AppContext) -> list[Metric]:
    """Gauges read from the database now; left out (not an error) while it is unreachable."""
    try:
        async with asyncio.timeout(ctx.settings.readiness_timeout_seconds):
            async with ctx.db.sessions() as session:
                return [backlog_family(await backlog(session, utcnow()))]
    except Exception as exc:  # a scrape must work while the database is down
        log.debug("metrics: outbox backlog unavailable: %s", type(exc).__name__)
        return []


@router.get("/metrics", include_in_schema=False)
async def metrics(ctx: Ctx, request: Request) -> Response:
    _check_token(ctx, request)
    publish(ctx)
    return Response(render(await _scraped(ctx)), media_type=CONTENT_TYPE)
