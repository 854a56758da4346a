"""In-process cost of the Prometheus metrics on the update check (no HTTP server, no noise
from other processes): the device handler on signals_cost.py's request mix, with the metrics
tally on and off, signals on in both (as served).

    .venv/bin/python bench/serve/metrics_cost.py [--requests 200000] [--rounds 5]

With metrics on, every round also ends with the publish that the sync loop does every second
(the tallies moved into prometheus-client's counters), so its cost is included. Rounds
alternate on and off; the median round of each is shown, and the throughput ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from signals_cost import _run, _scopes, _store

from tradewind.metrics.devices import DeviceTally
from tradewind.serving.handler import DeviceHandler
from tradewind.signals.recorder import SignalRecorder


async def _round(handler: DeviceHandler, scopes: list[dict[str, Any]]) -> float:
    per_request = await _run(handler, scopes)
    if handler.tally is not None:
        handler.tally.publish()
    return per_request


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    scopes = _scopes(args.requests)
    recorder = SignalRecorder(db=None)  # type: ignore[arg-type]  # never flushed here
    handlers = {
        "on": DeviceHandler(_store(), recorder, DeviceTally()),
        "off": DeviceHandler(_store(), recorder, None),
    }
    results: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(args.rounds):
        for name, handler in handlers.items():
            results[name].append(asyncio.run(_round(handler, scopes)))
    on, off = (statistics.median(results[n]) for n in ("on", "off"))
    print(f"handler, metrics off: {off:.2f} µs per request (median of {args.rounds} rounds)")
    print(f"handler, metrics on:  {on:.2f} µs per request; counting costs {on - off:.2f} µs")
    print(f"throughput, metrics on / off: {off / on:.1%}")


if __name__ == "__main__":
    main()
