"""The ASGI callable `tradewind serve` hands to granian: live at once, built in the background.

Importing the management API (FastAPI, SQLAlchemy, the routers' models, the dashboard) takes
a worker most of its start-up time. `FrontApp` imports none of it: it answers
`GET /health/live` from the start, `/health/ready` with `503 starting` until the real
application is built, and holds every other request until then, for at most `hold_seconds`
(then `503 startup_in_progress`, and the worker's thread stacks go to the log once). The real
application (`tradewind.app.create_app`) is built in a thread, then its lifespan runs as it
would under granian directly. A build that fails is logged once and answered with `503` afterwards.
"""

from __future__ import annotations

import asyncio
import faulthandler
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from tradewind.error_codes import envelope_bytes

log = logging.getLogger("tradewind")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
_LIVE = b'{"status":"ok"}'
_STARTING = b'{"status":"starting","checks":{}}'
_FAILED = envelope_bytes("startup_failed", "the server failed to start")
_STILL_STARTING = envelope_bytes("startup_in_progress", "the server is still starting; retry")
# A normal build takes 1-3 s. Held longer, a request gets a 503 it can retry before its
# client or a proxy in front gives up (the CLI and nginx wait 60 s by default).
HOLD_SECONDS = 30.0


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if status == 503:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _is_get(scope: Scope, path: str) -> bool:
    return bool(scope["type"] == "http" and scope["path"] == path and scope["method"] == "GET")


def _build() -> ASGIApp:
    from tradewind.app import create_app  # the expensive import, in a worker thread

    return create_app()


class _Lifespan:
    """Runs an ASGI app's lifespan protocol on its behalf (startup, later shutdown)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Future[None] | None = None

    async def _send(self, message: Message) -> None:
        await self.outbox.put(message)

    async def _step(self, event: str) -> None:
        await self.inbox.put({"type": f"lifespan.{event}"})
        assert self.task is not None
        reply: asyncio.Future[Any] = asyncio.ensure_future(self.outbox.get())
        task: asyncio.Future[Any] = self.task
        await asyncio.wait({reply, task}, return_when=asyncio.FIRST_COMPLETED)
        if not reply.done():
            reply.cancel()
            self.task.result()  # the app's exception, if it raised
            raise RuntimeError(f"the application ended its lifespan during {event}")
        message = reply.result()
        if message["type"] != f"lifespan.{event}.complete":
            raise RuntimeError(message.get("message") or f"lifespan {event} failed")

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        self.task = asyncio.ensure_future(self.app(scope, self.inbox.get, self._send))
        await self._step("startup")

    async def shutdown(self) -> None:
        if self.task is not None and not self.task.done():
            await self._step("shutdown")


class FrontApp:
    def __init__(
        self, build: Callable[[], ASGIApp] = _build, hold_seconds: float = HOLD_SECONDS
    ) -> None:
        self.build = build
        self.hold_seconds = hold_seconds
        self._stacks_logged = False
        self.inner: ASGIApp | None = None
        # The built application's raw handlers by path prefix (`TradewindApp.mount_fast`).
        self.fast_routes: tuple[tuple[str, ASGIApp], ...] = ()
        self.failed = False
        self._ready: asyncio.Event | None = None
        self._lifespan: _Lifespan | None = None
        self._building: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.fast_routes and scope["type"] == "http":
            # Built: the device paths' handlers straight from here, one frame fewer per check.
            path: str = scope["path"]
            for prefix, handler in self.fast_routes:
                if path.startswith(prefix):
                    await handler(scope, receive, send)
                    return
        if self.inner is not None:  # built: the application answers (request ids, metrics)
            await self.inner(scope, receive, send)
        elif _is_get(scope, LIVE_PATH):
            await _answer(send, 200, _LIVE)
        elif scope["type"] == "lifespan":
            await self._serve_lifespan(receive, send)
        elif _is_get(scope, READY_PATH) and not self.failed:
            await _answer(send, 503, _STARTING)
        else:
            await self._when_built(scope, receive, send)

    async def _when_built(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.wait_for(self._started().wait(), self.hold_seconds)
        except TimeoutError:
            self._log_stuck_build()
            if scope["type"] == "http":
                await _answer(send, 503, _STILL_STARTING)
            return
        if self.inner is not None:
            await self.inner(scope, receive, send)
        elif scope["type"] == "http":
            await _answer(send, 503, _FAILED)

    def _log_stuck_build(self) -> None:
        if self._stacks_logged:
            return
        self._stacks_logged = True
        log.error(
            "the application is still being built after %.0f s; this worker's threads:",
            self.hold_seconds,
        )
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)

    def _started(self) -> asyncio.Event:
        if self._ready is None:
            self._ready = asyncio.Event()
        return self._ready

    async def _serve_lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._building = asyncio.create_task(self._build_inner())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _build_inner(self) -> None:
        ready = self._started()
        began = time.monotonic()
        try:
            inner = await asyncio.get_running_loop().run_in_executor(None, self.build)
            lifespan = _Lifespan(inner)
            self._lifespan = lifespan
            await lifespan.startup()
            self.inner = inner
            self.fast_routes = tuple(getattr(inner, "fast_routes", ()))
            log.info(
                "worker %d ready: application started in %.2f s",
                os.getpid(),
                time.monotonic() - began,
            )
        except Exception:
            log.exception("the application failed to start")
            self.failed = True
        finally:
            ready.set()

    async def _stop(self) -> None:
        if self._building is not None and not self._building.done():
            await self._building  # a half-started application is shut down, not abandoned
        if self._lifespan is not None:
            await self._lifespan.shutdown()


def create_app() -> FrontApp:
    """ASGI application factory for granian (`tradewind.front:create_app --factory`)."""
    return FrontApp()
