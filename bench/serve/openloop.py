"""An open-loop (constant-rate) HTTP/1.1 load generator for latency at a fixed load.

wrk sends the next request on a connection only when the previous answer arrived, so when the
server stalls it stops sending, and the stall hides from the latency figures (coordinated
omission). Here request `i` is due at `start + i / rate` whatever happened before; it goes out
on an idle keep-alive connection, or waits for one, and its latency counts from when it was due.
So queueing anywhere (server or generator) shows in p99. The generator reports the rate it
actually reached; a figure where it fell short measured the generator, not the server.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

SDK_HEADERS = (
    b"cache-control: no-cache\r\nx-airborne-version: 1.4.2\r\nx-package-version: 3\r\n"
    b"x-config-version: 41\r\nx-os-version: 14\r\nx-client-id: bench-integrator\r\n"
)


@dataclass(frozen=True)
class OpenLoopResult:
    target_rate: float
    achieved_rate: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def encode(host: str, path: str, x_dimension: str) -> bytes:
    dimension = b"" if x_dimension == "-" else f"x-dimension: {x_dimension}\r\n".encode()
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n".encode() + SDK_HEADERS + dimension + b"\r\n"


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request in flight, answers framed by Content-Length."""

    def __init__(self, done: asyncio.Queue[_Connection]) -> None:
        self.done = done
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.due = 0.0
        self.latency = 0.0
        self.ok = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def send(self, request: bytes, due: float) -> None:
        self.due = due
        assert self.transport is not None
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return
        head = bytes(self.buffer[:head_end]).lower()
        marker = head.find(b"content-length:")
        length = 0 if marker < 0 else int(head[marker + 15 :].split(b"\r\n", 1)[0])
        if len(self.buffer) < head_end + 4 + length:
            return
        self.ok = head.startswith((b"http/1.1 200", b"http/1.1 304"))
        del self.buffer[: head_end + 4 + length]
        self.latency = time.perf_counter() - self.due
        self.done.put_nowait(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.ok = False


async def _await_answers(
    done: asyncio.Queue[_Connection], collect: Callable[[], None], finished: Callable[[], bool]
) -> None:
    """Collect answers still in flight, for at most 30 s."""
    deadline = time.perf_counter() + 30
    while not finished() and time.perf_counter() < deadline:
        try:
            conn = await asyncio.wait_for(done.get(), timeout=1)
        except TimeoutError:
            continue
        done.put_nowait(conn)
        collect()


async def _run(
    host: str, port: int, requests: list[bytes], rate: float, seconds: float, connections: int
) -> OpenLoopResult:
    loop = asyncio.get_running_loop()
    done: asyncio.Queue[_Connection] = asyncio.Queue()
    idle: deque[_Connection] = deque()
    for _ in range(connections):
        _, conn = await loop.create_connection(lambda: _Connection(done), host, port)
        idle.append(conn)
    waiting: deque[tuple[bytes, float]] = deque()
    latencies: list[float] = []
    errors = 0
    total = int(rate * seconds)
    start = time.perf_counter() + 0.05
    sent = 0

    def collect() -> None:
        nonlocal errors
        while not done.empty():
            conn = done.get_nowait()
            latencies.append(conn.latency)
            errors += 0 if conn.ok else 1
            if waiting:
                request, due = waiting.popleft()
                conn.send(request, due)
            else:
                idle.append(conn)

    while sent < total:
        due = start + sent / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        collect()
        # Everything now due goes out (a late wake-up sends a burst, still timed from `due`).
        now = time.perf_counter()
        while sent < total and start + sent / rate <= now:
            request, due = requests[sent % len(requests)], start + sent / rate
            if idle:
                idle.popleft().send(request, due)
            else:
                waiting.append((request, due))
            sent += 1
    await _await_answers(done, collect, lambda: len(latencies) + errors >= total)
    elapsed = time.perf_counter() - start
    for conn in idle:
        if conn.transport is not None:
            conn.transport.close()
    return _result(rate, sorted(latencies), elapsed, errors, total)


def _result(
    rate: float, latencies: list[float], elapsed: float, errors: int, total: int
) -> OpenLoopResult:
    if not latencies:
        return OpenLoopResult(rate, 0.0, 0.0, 0.0, 0, total)
    return OpenLoopResult(
        target_rate=rate,
        achieved_rate=len(latencies) / elapsed,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        requests=len(latencies),
        errors=errors + total - len(latencies),
    )


def open_loop(
    base: str,
    mix: list[tuple[str, str]],
    rate: float,
    seconds: float,
    connections: int = 32,
) -> OpenLoopResult:
    """Send `mix` (path, x-dimension) at `rate` requests per second for `seconds`."""
    host, _, port = base.removeprefix("http://").partition(":")
    requests = [encode(host, path, x_dimension) for path, x_dimension in mix]
    return asyncio.run(_run(host, int(port), requests, rate, seconds, connections))
