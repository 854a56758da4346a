"""POST /analytics/events: device events (Airborne's analytics body), public, keyed per app."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tradewind.errors import PayloadTooLarge, RateLimited
from tradewind.signals import ingest
from tradewind.signals.schemas import IngestResult, request_body_schema
from tradewind.web.deps import Ctx
from tradewind.web.errors import error_responses

router = APIRouter(tags=["device signals"])


@router.post(
    "/analytics/events",
    operation_id="ingest_events",
    response_model=IngestResult,
    responses=error_responses(400, 401, 413, 422, 429, 503),
    openapi_extra={"requestBody": request_body_schema()},
)
async def ingest_events(request: Request, ctx: Ctx) -> IngestResult:
    """Count device events: one event, an array, or {"events": [...]}; all or none.

    Authenticated by the application's key in `x-ingest-key` (unless the application allows
    keyless ingest). No database work: counts are flushed in the background.
    """
    wait = ctx.ingest_limits.take(_client(request, ctx.settings.ingest_client_address_header))
    if wait > 0:
        raise RateLimited(
            "too many event posts from this client; slow down",
            details={"retry_after_seconds": int(wait) + 1},
        )
    body = await _read_limited(request, ctx.settings.ingest_max_body_size)
    events = ingest.parse_body(body, ctx.settings.ingest_max_events)
    store = ctx.snapshots
    signals = ingest.resolve(events, store.apps, store.loaded, request.headers.get("x-ingest-key"))
    counted = ingest.record(ctx.signals, signals) if ctx.settings.signals_enabled else 0
    return IngestResult(message="events accepted", accepted=len(signals), counted=counted)


def _client(request: Request, header: str) -> str:
    """The client address: the socket's, or behind a proxy the last entry of its header (the
    address the proxy itself saw; earlier entries can be made up by the client)."""
    forwarded = request.headers.get(header) if header else None
    if forwarded:
        return forwarded.rsplit(",", 1)[-1].strip()
    return request.client.host if request.client else "unknown"


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the body is larger than {limit} bytes; nothing was counted",
        code="batch_too_large",
        details={"max_bytes": limit},
    )
