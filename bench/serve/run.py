"""Benchmark of the device update check against nginx serving the same bytes.

    .venv/bin/python bench/serve/run.py [--seconds 10] [--rounds 3]

Creates a scratch PostgreSQL database on 127.0.0.1:5432 (user root) and seeds two
applications with the same 20 live releases (5 rolling out), 10 dimensions and packages of
50 files: `big` has 10,000 releases in total, `small` 30 (10 past ones). Starts, side by side:
`tradewind serve --workers 2` (granian), Tradewind with the same lookup routed by FastAPI,
the smallest possible ASGI app answering the same bytes (the ASGI ceiling), and nginx
(2 workers) serving one document as a static file. Each load is wrk (2 threads, 64
connections, loopback) replaying the same mix of SDK requests (200 contexts in Android and
iOS spellings, half with a unique ?toss=, the SDK's headers). A second set of loads is the
simplest setting: one URL, no headers, wrk's static request. Loads are interleaved over
rounds and the median round is reported. The database is dropped at the end.

A second `tradewind serve` with device signals switched off (TRADEWIND_SIGNALS_ENABLED=false)
runs the same loads, so the cost of counting checks is measured in the same run; a third with
the Prometheus metrics switched off (TRADEWIND_METRICS_ENABLED=false) does the same for metrics.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

import procs
from expo_mix import check_expo_mix, expo_mix, write_expo_mix
from expo_seed import seed_expo
from seed import app_ids, seed
from seed_codepush import codepush_mix, seed_codepush

from tradewind.db import Database, upgrade_database
from tradewind.keys.keyring import Keyring
from tradewind.keys.setup import keyring_for
from tradewind.settings import Settings

ADMIN_URL = "postgresql+asyncpg://root@127.0.0.1:5432/postgres"
PATHS = ["/release/bench/{app}", "/release/v2/bench/{app}", "/api/releases/bench/{app}"]
VALUES = {
    "os": ["android", "ios"],
    "app-version": ["1.9.0", "2.0.0", "2.1.3", "3.0.1"],
    "country": ["in", "lk", "us", "de", "bd"],
    "city": ["blr", "del", "nyc"],
    "merchant": ["m1", "m2", "m3", "m4"],
    "network": ["wifi", "4g"],
    "device-model": ["pixel-7", "pixel-8", "iphone-15", "galaxy-s23"],
    "language": ["en", "hi", "ta"],
    "carrier": ["jio", "airtel", "vodafone"],
    "segment": ["beta", "ga"],
}
NGINX = "nginx static file, same bytes"
METRICS_PAIRS = [
    ("tradewind 200, 10,000 releases", "same, metrics off"),
    ("tradewind 304 (If-None-Match)", "304, metrics off"),
]
SIGNALS_PAIRS = [
    ("tradewind 200, 10,000 releases", "same, signals off"),
    ("tradewind 304 (If-None-Match)", "304, signals off"),
]
PLAIN_NGINX = "plain GET: nginx"
AIRBORNE = "tradewind 200, 10,000 releases"
CODEPUSH = "codepush update_check, 30 labels"
# Expo manifest loads (expo.lua), by the share of devices already on the served update.
EXPO_SCENARIOS = {"expo manifest, multipart": 0.0, "expo, 50% noUpdateAvailable": 0.5}
Mix = list[tuple[str, str]]


async def _admin(statement: str) -> None:
    db = Database(ADMIN_URL)
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(statement))
    await db.dispose()


@contextmanager
def scratch_database() -> Iterator[str]:
    name = f"tw_bench_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def bench_keyring() -> Keyring:
    """The keyring of every bench server (they share procs.BENCH_MASTER_KEY)."""
    settings = Settings(
        master_key=procs.BENCH_MASTER_KEY,
        data_dir=Path(tempfile.gettempdir()),
        _env_file=None,  # type: ignore[call-arg]
    )
    return keyring_for(settings)


async def prepare(url: str, history: dict[str, int]) -> list[str]:
    """Seed the Airborne applications and a CodePush deployment of `big`; the latter's
    package hashes."""
    db = Database(url)
    await upgrade_database(db)
    async with db.unit_of_work() as session:
        for s in await seed(session, history):
            print(f"  seeded {s.org}/{s.app}: {s.releases} releases, {s.live} live")
        keyring = bench_keyring()
        hashes = await seed_codepush(session, keyring, (await app_ids(session))["big"])
        print(f"  seeded a CodePush deployment of bench/big: {len(hashes)} releases")
        print(f"  seeded bench/expo: {await seed_expo(session, 500)} releases")
    await db.dispose()
    return hashes


def _x_dimension(rng: random.Random) -> str:
    names = rng.sample(sorted(VALUES), rng.randint(0, len(VALUES)))
    pairs = [(name, rng.choice(VALUES[name])) for name in names]
    if rng.random() < 0.5:  # Android: sorted, no trailing ';', always present
        return ";".join(f"{k}={v}" for k, v in sorted(pairs))
    return "".join(f"{k}={v};" for k, v in pairs) or "-"  # iOS: unsorted, omitted when empty


def request_mix(app: str, count: int, seed_value: int) -> Mix:
    """(path with query, x-dimension) pairs: 200 contexts, half the requests with ?toss=."""
    rng = random.Random(seed_value)
    contexts = [_x_dimension(rng) for _ in range(200)]
    mix = []
    for n in range(count):
        path = PATHS[n % len(PATHS)].format(app=app)
        if rng.random() < 0.5:
            path += f"?toss={rng.getrandbits(64):016x}"
        mix.append((path, rng.choice(contexts)))
    return mix


def write_mix(path: Path, mix: Mix, etags: list[str] | None = None) -> Path:
    lines = [f"{p}\t{x}\t{etags[i] if etags else '-'}" for i, (p, x) in enumerate(mix)]
    path.write_text("\n".join(lines) + "\n")
    return path


async def _fetch(base: str, mix: Mix) -> list[httpx.Response]:
    limits = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:

        async def one(path: str, x_dimension: str) -> httpx.Response:
            async with limits:
                headers = {} if x_dimension == "-" else {"x-dimension": x_dimension}
                return await client.get(path, headers=headers)

        return await asyncio.gather(*(one(p, x) for p, x in mix))


def fetch(base: str, mix: Mix) -> list[httpx.Response]:
    """Every request once: checks the mix is all 200s and gives the ETags for a 304 run."""
    responses = asyncio.run(_fetch(base, mix))
    statuses = {r.status_code for r in responses}
    if statuses != {200}:
        raise RuntimeError(f"unexpected statuses in the mix: {statuses}")
    return responses


def median_load(loads: list[procs.Load]) -> procs.Load:
    """The round with the median throughput (its latencies belong to the same run)."""
    ordered = sorted(loads, key=lambda load: load.requests_per_second)
    return ordered[len(ordered) // 2]


def show(name: str, loads: list[procs.Load], reference: procs.Load) -> None:
    load = median_load(loads)
    ratio = load.requests_per_second / reference.requests_per_second
    spread = statistics.pstdev(x.requests_per_second for x in loads) / load.requests_per_second
    errors = load.errors + load.status_errors
    note = f"  errors={errors}" if errors else ""
    print(
        f"{name:<40} {load.requests_per_second:>8,.0f} req/s  ±{spread:4.0%}  "
        f"p50 {load.p50_ms:5.2f} ms  p99 {load.p99_ms:6.2f} ms  {ratio:5.0%}{note}"
    )


def _lua(scenario: str) -> Path:
    return procs.EXPO_LUA if scenario in EXPO_SCENARIOS else procs.LUA


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="duration of each load")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--requests", type=int, default=10_000, help="distinct requests")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    load = {"threads": args.threads, "connections": args.connections}
    with scratch_database() as url, tempfile.TemporaryDirectory(prefix="tw-bench-") as tmp:
        root = Path(tmp)
        print("seeding …")
        hashes = asyncio.run(prepare(url, {"big": 9_980, "small": 10}))
        big_mix = request_mix("big", args.requests, 1)
        cp_mix = codepush_mix(hashes, args.requests, 1)
        small_mix = request_mix("small", args.requests, 1)
        with ExitStack() as servers:
            tradewind = servers.enter_context(
                procs.tradewind(url, root / "data", args.workers, root / "tradewind.log")
            )
            quiet = servers.enter_context(
                procs.tradewind(
                    url, root / "data-quiet", args.workers, root / "quiet.log",
                    TRADEWIND_SIGNALS_ENABLED="false",
                )
            )  # fmt: skip
            unmetered = servers.enter_context(
                procs.tradewind(
                    url, root / "data-unmetered", args.workers, root / "unmetered.log",
                    TRADEWIND_METRICS_ENABLED="false",
                )
            )  # fmt: skip
            big = fetch(tradewind, big_mix)
            fetch(tradewind, small_mix)
            fetch(tradewind, cp_mix)
            body = httpx.get(f"{tradewind}/release/bench/big").content
            (root / "body.json").write_bytes(body)
            files = {
                "big": write_mix(root / "big.txt", big_mix),
                "big304": write_mix(root / "304.txt", big_mix, [r.headers["etag"] for r in big]),
                "small": write_mix(root / "small.txt", small_mix),
                "codepush": write_mix(root / "codepush.txt", cp_mix),
            }
            fastapi = servers.enter_context(
                procs.granian_factory(
                    "bench.serve.fastapi_variant:create_app",
                    url, root / "data", args.workers, root / "fastapi.log",
                )
            )  # fmt: skip
            ceiling = servers.enter_context(
                procs.granian_factory(
                    "bench.serve.ceiling:create_app",
                    url, root / "data", args.workers, root / "ceiling.log",
                    BENCH_BODY_FILE=str(root / "body.json"),
                )
            )  # fmt: skip
            (root / "nginx").mkdir()
            paths = [p.format(app="big") for p in PATHS]
            nginx = servers.enter_context(procs.nginx(root / "nginx", body, paths, args.workers))
            fastapi_mix = [m for m in big_mix if m[0].startswith("/release/bench/")]
            scenarios: dict[str, tuple[str, Path | None]] = {
                "tradewind 200, 10,000 releases": (tradewind, files["big"]),
                "tradewind 304 (If-None-Match)": (tradewind, files["big304"]),
                "same, signals off": (quiet, files["big"]),
                "304, signals off": (quiet, files["big304"]),
                "same, metrics off": (unmetered, files["big"]),
                "304, metrics off": (unmetered, files["big304"]),
                "tradewind 200, 30 releases": (tradewind, files["small"]),
                CODEPUSH: (tradewind, files["codepush"]),
                "FastAPI routing, same lookup": (
                    fastapi,
                    write_mix(root / "fastapi.txt", fastapi_mix),
                ),
                "minimal ASGI app, same bytes": (ceiling, files["big"]),
                NGINX: (nginx, files["big"]),
                # The simplest setting: one URL, no SDK headers, wrk's static request.
                "plain GET: tradewind": (f"{tradewind}/release/bench/big", None),
                "plain GET: minimal ASGI app": (f"{ceiling}/release/bench/big", None),
                PLAIN_NGINX: (f"{nginx}/release/bench/big", None),
            }
            for name, share in EXPO_SCENARIOS.items():
                mix = expo_mix(tradewind, args.requests, share, 2)
                check_expo_mix(tradewind, mix)
                scenarios[name] = (tradewind, write_expo_mix(root / f"expo{share}.txt", mix))
            results: dict[str, list[procs.Load]] = {name: [] for name in scenarios}
            for name, (base, requests) in scenarios.items():
                procs.wrk(base, requests, 2, lua=_lua(name), **load)  # warm-up
            for round_number in range(1, args.rounds + 1):
                print(f"round {round_number}/{args.rounds} …")
                for name, (base, requests) in scenarios.items():
                    loads = procs.wrk(base, requests, args.seconds, lua=_lua(name), **load)
                    results[name].append(loads)
    print(
        f"\nbody {len(body):,} bytes; {args.rounds} rounds of {args.seconds}s per load, "
        f"median shown; wrk -t{args.threads} -c{args.connections}; {args.workers} workers each\n"
    )
    for name, loads in results.items():
        plain = name.startswith("plain GET")
        show(name, loads, median_load(results[PLAIN_NGINX if plain else NGINX]))
    print()
    for on, off in SIGNALS_PAIRS:
        ratio = (
            median_load(results[on]).requests_per_second
            / median_load(results[off]).requests_per_second
        )
        print(f"signals on / off, {on.removeprefix('tradewind ')}: {ratio:.0%}")
    codepush = median_load(results[CODEPUSH]).requests_per_second
    airborne = median_load(results[AIRBORNE]).requests_per_second
    print(f"codepush check / airborne check (same run): {codepush / airborne:.0%}")
    for name in EXPO_SCENARIOS:
        ratio = median_load(results[name]).requests_per_second / airborne
        print(f"{name} / Airborne check (same run): {ratio:.0%}")
    for on, off in METRICS_PAIRS:
        ratio = (
            median_load(results[on]).requests_per_second
            / median_load(results[off]).requests_per_second
        )
        print(f"metrics on / off, {on.removeprefix('tradewind ')}: {ratio:.0%}")


if __name__ == "__main__":
    main()
