"""In-process cost of counting device signals on the update check (no HTTP server, no noise
from other processes): the device handler on the same request mix, signals on and off.

    .venv/bin/python bench/serve/signals_cost.py [--requests 200000] [--rounds 5]

The mix follows run.py: 200 x-dimension contexts, half of the requests with a unique ?toss=,
the SDK's headers (x-package-version among them), one release concluded and one rolling out at
50 %. Rounds alternate on and off; the median round of each is shown.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from types import SimpleNamespace
from typing import Any

from tradewind.releases.live import LiveFile, LivePackage, LiveRelease, LiveState
from tradewind.serving.compiler import compile_app
from tradewind.serving.document import AppSource
from tradewind.serving.handler import DeviceHandler
from tradewind.serving.store import SnapshotStore
from tradewind.signals.recorder import SignalRecorder
from tradewind.targeting.resolution import Candidate

SDK_HEADERS = [
    (b"cache-control", b"no-cache"),
    (b"x-airborne-version", b"1.4.2"),
    (b"x-package-version", b"3"),
    (b"x-config-version", b"41"),
    (b"x-os-version", b"14"),
]


def _release(release_id: int, status: str, rollout_bp: int) -> LiveRelease:
    row = {
        "id": release_id,
        "channel": "production",
        "boot_timeout": 1000,
        "release_config_timeout": 1000,
        "config_properties": {},
        "package_properties": {},
    }
    index = LiveFile(1, "index.bundle", "ab" * 32, 10, "application/javascript", "k/index")
    return LiveRelease(
        release=SimpleNamespace(**row),  # type: ignore[arg-type]
        candidate=Candidate(release_id, str(release_id), (), status, rollout_bp, release_id),
        config_version=str(release_id),
        package=LivePackage(release_id, release_id, {}, index, (), ()),
        resources=(),
    )


def _store() -> SnapshotStore:
    releases = {1: _release(1, "concluded", 0), 2: _release(2, "in_progress", 5000)}
    state = LiveState(
        app_id=1,
        revision=1,
        identifier_dimension=None,
        channel_dimension=None,
        positions={"os": 0, "country": 1},
        releases=releases,
    )
    snapshot = compile_app(AppSource("acme", "shop", state), "https://cdn/".__add__, b"public")
    store = SnapshotStore(db=None, url_for=str, cache_control=b"public")  # type: ignore[arg-type]
    store.apps = {"acme/shop": snapshot}
    store.loaded = True
    return store


def _scopes(count: int) -> list[dict[str, Any]]:
    rng = random.Random(1)
    contexts = [
        f"os={rng.choice(['android', 'ios'])};country={rng.choice(['in', 'us', 'de'])}"
        f";n={n}".encode()
        for n in range(200)
    ]
    scopes = []
    for _ in range(count):
        query = f"toss={rng.getrandbits(64):016x}".encode() if rng.random() < 0.5 else b""
        headers = [*SDK_HEADERS, (b"x-dimension", rng.choice(contexts))]
        scopes.append(
            {"type": "http", "method": "GET", "path": "/release/acme/shop",
             "query_string": query, "headers": headers}
        )  # fmt: skip
    return scopes


async def _run(handler: DeviceHandler, scopes: list[dict[str, Any]]) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        return None

    start = time.perf_counter()
    for scope in scopes:
        await handler(scope, receive, send)
    return (time.perf_counter() - start) / len(scopes) * 1e6  # µs per request


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    scopes = _scopes(args.requests)
    recorder = SignalRecorder(db=None)  # type: ignore[arg-type]  # never flushed here
    handlers = {"on": DeviceHandler(_store(), recorder), "off": DeviceHandler(_store(), None)}
    results: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(args.rounds):
        for name, handler in handlers.items():
            results[name].append(asyncio.run(_run(handler, scopes)))
    on, off = (statistics.median(results[n]) for n in ("on", "off"))
    print(f"handler, signals off: {off:.2f} µs per request (median of {args.rounds} rounds)")
    print(f"handler, signals on:  {on:.2f} µs per request; counting costs {on - off:.2f} µs")


if __name__ == "__main__":
    main()
