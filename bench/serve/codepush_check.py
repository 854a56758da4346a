"""The CodePush update check beside the Airborne check, same server, same run.

    .venv/bin/python -u bench/serve/codepush_check.py [--seconds 5] [--rounds 3]

A shorter companion of run.py for the CodePush figure alone: one scratch PostgreSQL database
(`bench/big`: 20 live Airborne releases among 1,000, and a CodePush deployment of 30 labelled
releases, see seed_codepush.py), one `tradewind serve --workers 2`, and wrk replaying the
Airborne request mix and the CodePush request mix in interleaved rounds; the median round of
each is shown with the ratio of the two throughputs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import procs
from run import fetch, median_load, prepare, request_mix, scratch_database, write_mix
from seed_codepush import codepush_mix

AIRBORNE = "airborne check (20 live releases)"
CODEPUSH = "codepush update_check (30 labels)"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2_000, help="distinct requests")
    args = parser.parse_args()
    load = {"threads": 2, "connections": 64}
    with scratch_database() as url, tempfile.TemporaryDirectory(prefix="tw-cp-bench-") as tmp:
        root = Path(tmp)
        print("seeding …", flush=True)
        hashes = asyncio.run(prepare(url, {"big": 980}))
        airborne_mix = request_mix("big", args.requests, 1)
        cp_mix = codepush_mix(hashes, args.requests, 1)
        with procs.tradewind(url, root / "data", 2, root / "tradewind.log") as server:
            fetch(server, airborne_mix)
            fetch(server, cp_mix)
            files = {
                AIRBORNE: write_mix(root / "airborne.txt", airborne_mix),
                CODEPUSH: write_mix(root / "codepush.txt", cp_mix),
            }
            results: dict[str, list[procs.Load]] = {name: [] for name in files}
            for path in files.values():
                procs.wrk(server, path, 2, **load)  # warm-up
            for round_number in range(1, args.rounds + 1):
                print(f"round {round_number}/{args.rounds} …", flush=True)
                for name, path in files.items():
                    results[name].append(procs.wrk(server, path, args.seconds, **load))
    reference = median_load(results[AIRBORNE])
    for name, loads in results.items():
        median = median_load(loads)
        rates = ", ".join(f"{x.requests_per_second:,.0f}" for x in loads)
        print(
            f"{name:<36} {median.requests_per_second:>8,.0f} req/s (rounds: {rates})  "
            f"p50 {median.p50_ms:5.2f} ms  p99 {median.p99_ms:6.2f} ms  "
            f"{median.requests_per_second / reference.requests_per_second:5.0%}",
            flush=True,
        )


if __name__ == "__main__":
    main()
