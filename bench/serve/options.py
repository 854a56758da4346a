"""granian options for the device check, side by side against nginx in the same run.

    .venv/bin/python bench/serve/options.py [--seconds 4] [--rounds 3]

Seeds a scratch PostgreSQL database like run.py, then starts Tradewind (`tradewind.front`,
what `tradewind serve` runs) under each option set below, one worker each, and nginx with one
worker; wrk replays the SDK mix against each in interleaved rounds. Prints the median req/s
and server CPU µs per request (from /proc), each as a ratio to nginx's.
(`--task-impl rust` is left out: with it the management API's requests fail with
"Future object is not initialized".)
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import procs
from run import fetch, prepare, request_mix, scratch_database, write_mix

VARIANTS: dict[str, tuple[str, ...]] = {
    "granian defaults": (),
    "--runtime-mode st": ("--runtime-mode", "st"),
    "--http 1": ("--http", "1"),
    "--http 1 --runtime-mode st": ("--http", "1", "--runtime-mode", "st"),
    "--http 1 --runtime-mode st --backpressure 64": (
        "--http", "1", "--runtime-mode", "st", "--backpressure", "64",
    ),
}  # fmt: skip


def _stop_cleanly(signum: int, frame: object) -> None:
    sys.exit(128 + signum)  # run the context managers' clean-up: no server left behind


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_cleanly)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with scratch_database() as url, tempfile.TemporaryDirectory(prefix="tw-opt-") as tmp:
        root = Path(tmp)
        asyncio.run(prepare(url, {"big": 100}))
        mix = request_mix("big", 10_000, 1)
        mix_file = write_mix(root / "mix.txt", mix)
        with ExitStack() as servers:
            bases: dict[str, str] = {}
            for name, options in VARIANTS.items():
                bases[name] = servers.enter_context(
                    procs.granian_factory(
                        "tradewind.front:create_app", url, root / "data", 1,
                        root / f"{len(bases)}.log", options,
                    )
                )  # fmt: skip
            fetch(bases["granian defaults"], mix)
            body = httpx.get(f"{bases['granian defaults']}/release/bench/big").content
            (root / "nginx").mkdir()
            paths = ["/release/bench/big", "/release/v2/bench/big", "/api/releases/bench/big"]
            bases["nginx"] = servers.enter_context(procs.nginx(root / "nginx", body, paths, 1))
            rates: dict[str, list[float]] = {name: [] for name in bases}
            cpus: dict[str, list[float]] = {name: [] for name in bases}
            for base in bases.values():
                procs.wrk(base, mix_file, 1, threads=2, connections=64)
            for _ in range(args.rounds):
                for name, base in bases.items():
                    before = procs.tree_cpu_seconds(procs.PIDS[base])
                    load = procs.wrk(base, mix_file, args.seconds, threads=2, connections=64)
                    cpu = procs.tree_cpu_seconds(procs.PIDS[base]) - before
                    rates[name].append(load.requests_per_second)
                    cpus[name].append(cpu / load.requests * 1e6)
    nginx_rate = statistics.median(rates["nginx"])
    nginx_cpu = statistics.median(cpus["nginx"])
    for name in bases:
        rate, cpu = statistics.median(rates[name]), statistics.median(cpus[name])
        spread = (max(rates[name]) - min(rates[name])) / 2 / rate
        print(
            f"{name:<46} {rate:8,.0f} req/s ±{spread:4.0%} ({rate / nginx_rate:.2f} of nginx)"
            f"  CPU {cpu:6.1f} µs/req ({cpu / nginx_cpu:.2f}× nginx)"
        )


if __name__ == "__main__":
    main()
