"""Tradewind with the update check routed through FastAPI instead of the raw ASGI handler.

Same snapshot, same prebuilt bytes: only the routing differs. For the comparison in
docs/performance.md; not used by the server.
"""

from __future__ import annotations

from fastapi import Request, Response

from tradewind.app import TradewindApp
from tradewind.app import create_app as create_tradewind


def create_app() -> TradewindApp:
    app = create_tradewind()
    app.fast_routes.clear()
    store = app.ctx.snapshots

    @app.api.get("/release/{org}/{name}", include_in_schema=False)
    async def update_check(org: str, name: str, request: Request) -> Response:
        snapshot = store.apps.get(f"{org}/{name}")
        if snapshot is None:
            return Response(b'{"error":{"code":"application_not_found"}}', status_code=404)
        x_dimension = request.headers.get("x-dimension", "").encode()
        answer = snapshot.answer(x_dimension, request.scope["query_string"])
        if answer is None:
            return Response(b'{"error":{"code":"no_release"}}', status_code=404)
        headers = {
            "etag": answer.etag.decode(),
            "cache-control": store.cache_control.decode(),
            "vary": "x-dimension",
        }
        if_none_match = request.headers.get("if-none-match")
        if if_none_match is not None and answer.not_modified(if_none_match.encode()):
            return Response(status_code=304, headers=headers)
        return Response(answer.body, media_type="application/json", headers=headers)

    return app
