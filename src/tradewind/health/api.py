"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tradewind.web.deps import Ctx

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", operation_id="health_live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", operation_id="health_ready", responses={503: {"description": "not ready"}})
async def ready(ctx: Ctx) -> JSONResponse:
    checks = await ctx.readiness()
    ok = all(c == "ok" for c in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )
