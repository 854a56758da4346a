"""The whole performance suite in one command, one table, every figure against a same-run reference.

    bench/run_all [--seconds 5] [--rounds 3] [--upload-mib 100]

1. Device check: `tradewind serve` with its default settings, nginx serving the same bytes
   (same worker count) and the smallest ASGI and RSGI apps answering the same bytes under the
   same granian (the ceilings of each interface), loaded in interleaved rounds with wrk
   replaying the SDK request mix. Per load: req/s, and server CPU
   per request from /proc (every process of the server, workers included).
2. Latency at half load: an open-loop generator (bench/serve/openloop.py) at 50 % of
   Tradewind's measured saturating rate, against Tradewind and nginx at the same rate.
3. Uploads: the same bundle to a raw ASGI sink (bodies read and dropped), to a durable sink
   (each body hashed, written, fsync'd and renamed: the storage floor), through the per-file
   API 4 files in flight, as one archive through the bundle route, and with `tradewind push`
   (hashing, check, uploads, package) with and without batches of files, rounds interleaved;
   local blob storage, then S3 (moto's standalone server) for the API path. Peak RSS growth
   of the server during each upload.
4. Cold start of `tradewind serve` to /health/live, and `tradewind --help`.

Spread = half the range between rounds over the median. Needs wrk, nginx and PostgreSQL on
127.0.0.1:5432 (user root); see docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH / "serve"), str(BENCH / "upload"), str(BENCH / "coldstart")]

import httpx  # noqa: E402
import procs  # noqa: E402
from openloop import open_loop  # noqa: E402
from run import fetch, prepare, request_mix, scratch_database, write_mix  # noqa: E402

MIB = 1024 * 1024
Row = tuple[str, str, str, str]


@dataclass
class Figure:
    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> float:
        middle = self.median
        return (max(self.values) - min(self.values)) / 2 / middle if middle else 0.0

    def show(self, unit: str, scale: float = 1.0, digits: int = 0) -> str:
        return f"{self.median * scale:,.{digits}f} {unit} ±{self.spread:.0%}"


def _load_with_cpu(base: str, pid: int, mix_file: Path, seconds: int) -> tuple[float, float]:
    """(req/s, server CPU µs per request) of one wrk load."""
    before = procs.tree_cpu_seconds(pid)
    load = procs.wrk(base, mix_file, seconds, threads=2, connections=64)
    cpu = procs.tree_cpu_seconds(pid) - before
    if load.errors or load.status_errors:
        raise RuntimeError(f"{base}: {load.errors} errors, {load.status_errors} bad statuses")
    return load.requests_per_second, cpu / load.requests * 1e6


def device_section(seconds: int, rounds: int) -> list[Row]:
    with scratch_database() as url, tempfile.TemporaryDirectory(prefix="tw-bench-") as tmp:
        root = Path(tmp)
        asyncio.run(prepare(url, {"big": 100, "small": 10}))
        mix = request_mix("big", 10_000, 1)
        with contextlib.ExitStack() as servers:
            tradewind = servers.enter_context(
                procs.tradewind(url, root / "data", None, root / "tradewind.log")
            )
            fetch(tradewind, mix)
            body = httpx.get(f"{tradewind}/release/bench/big").content
            (root / "body.json").write_bytes(body)
            workers = procs.worker_count(tradewind)
            ceiling = servers.enter_context(
                procs.granian_factory(
                    "bench.serve.ceiling:create_app", url, root / "data", workers,
                    root / "ceiling.log", BENCH_BODY_FILE=str(root / "body.json"),
                )
            )  # fmt: skip
            rsgi_ceiling = servers.enter_context(
                procs.granian_factory(
                    "bench.serve.ceiling:create_rsgi_app", url, root / "data", workers,
                    root / "rsgi-ceiling.log", interface="rsgi",
                    BENCH_BODY_FILE=str(root / "body.json"),
                )
            )  # fmt: skip
            (root / "nginx").mkdir()
            paths = [p.format(app="big") for p in ("/release/bench/{app}",)]
            paths += ["/release/v2/bench/big", "/api/releases/bench/big"]
            nginx = servers.enter_context(procs.nginx(root / "nginx", body, paths, workers))
            mix_file = write_mix(root / "mix.txt", mix)
            targets = {
                "tradewind": tradewind,
                "minimal ASGI": ceiling,
                "minimal RSGI": rsgi_ceiling,
                "nginx": nginx,
            }
            rates = {name: Figure([]) for name in targets}
            cpus = {name: Figure([]) for name in targets}
            for base in targets.values():
                procs.wrk(base, mix_file, 1, threads=2, connections=64)  # warm-up
            for _ in range(rounds):
                for name, base in targets.items():
                    rate, cpu = _load_with_cpu(base, procs.PIDS[base], mix_file, seconds)
                    rates[name].values.append(rate)
                    cpus[name].values.append(cpu)
            half = rates["tradewind"].median / 2
            latency = {
                name: open_loop(targets[name], mix, half, seconds)
                for name in ("tradewind", "nginx")
            }
    rows: list[Row] = []
    for name in targets:
        rate_ratio = rates[name].median / rates["nginx"].median
        cpu_ratio = cpus[name].median / cpus["nginx"].median
        rows.append(
            (
                f"device check: {name} ({workers} worker{'s' if workers > 1 else ''})",
                rates[name].show("req/s"),
                f"{rate_ratio:.2f} of nginx req/s; CPU {cpus[name].show('µs/req', digits=1)}",
                f"CPU {cpu_ratio:.2f}× nginx's",
            )
        )
    for name, result in latency.items():
        rows.append(
            (
                f"open loop at 50% of tradewind's max: {name}",
                f"{result.achieved_rate:,.0f} of {result.target_rate:,.0f} req/s",
                f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms",
                f"errors {result.errors}",
            )
        )
    return rows


@contextlib.contextmanager
def moto_server() -> Iterator[dict[str, str]]:
    """moto's standalone S3 server in its own process, and the settings that point at it."""
    port = procs.free_port()
    proc = subprocess.Popen(
        [str(procs.VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        procs.wait_until_ready(f"{endpoint}/moto-api/", proc=proc)
        httpx.put(f"{endpoint}/bench-bucket").raise_for_status()
        yield {
            "TRADEWIND_STORAGE_BACKEND": "s3",
            "TRADEWIND_S3_BUCKET": "bench-bucket",
            "TRADEWIND_S3_ENDPOINT_URL": endpoint,
            "TRADEWIND_S3_ACCESS_KEY_ID": "bench",
            "TRADEWIND_S3_SECRET_ACCESS_KEY": "bench-secret",
        }
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def upload_section(total_mib: int, rounds: int) -> list[Row]:
    from server import running_server, running_sink

    upload = _module("upload_run", BENCH / "upload" / "run.py")
    with tempfile.TemporaryDirectory(prefix="tw-bench-upload-") as tmp:
        root = Path(tmp)
        (root / "bundle").mkdir()
        files = upload.generate_bundle(root / "bundle", total_mib * 2, total_mib * MIB)
        archive = upload.make_zip(files, root / "bundle.zip")
        tree = upload.bundle_tree(files, root / "tree")
        kinds = ("sink", "durable", "files", "bundle", "push", "push_per_file")
        seconds: dict[str, Figure] = {k: Figure([]) for k in kinds}
        growth: dict[str, Figure] = {
            k: Figure([]) for k in ("files", "bundle", "push", "push_per_file")
        }
        with (
            running_sink() as sink,
            running_sink(durable_dir=root / "durable") as durable,
            running_server(root / "data", root / "server.log") as server,
            httpx.Client(base_url=server.base_url, timeout=600) as client,
        ):
            base = upload.sign_in_and_create_app(client, "warm")
            upload.warm_up(client, base, root)
            token = client.headers["Authorization"].removeprefix("Bearer ")
            for n in range(rounds):
                ceiling = upload.observe(
                    sink, lambda: upload.upload_all(sink, "-", "/sink", files, 4)
                )
                seconds["sink"].values.append(ceiling.seconds)
                floor = upload.observe(
                    durable, lambda: upload.upload_all(durable, "-", "/sink", files, 4)
                )
                seconds["durable"].values.append(floor.seconds)
                app = upload.sign_in_and_create_app(client, f"files{n}")
                seen = upload.observe(
                    server, lambda app=app: upload.upload_all(server, token, app, files, 4)
                )
                seconds["files"].values.append(seen.seconds)
                growth["files"].values.append(seen.rss_growth_mib)
                app = upload.sign_in_and_create_app(client, f"bundle{n}")
                seen = upload.observe(
                    server,
                    lambda app=app: upload.upload_bundle(client, app, archive, files[0].path),
                )
                seconds["bundle"].values.append(seen.seconds)
                growth["bundle"].values.append(seen.rss_growth_mib)
                for key, options in (("push", ()), ("push_per_file", ("--batch-mib", "0"))):
                    app = upload.sign_in_and_create_app(client, f"{key.replace('_', '-')}{n}")
                    name = app.rsplit("/", 1)[-1]
                    seen = upload.observe(
                        server,
                        lambda name=name, options=options: upload.push_cli(
                            server, token, tree, name, *options
                        ),
                    )
                    seconds[key].values.append(seen.seconds)
                    growth[key].values.append(seen.rss_growth_mib)
        s3 = _s3_upload(upload, files, root, running_server, running_sink)
    total = sum(f.size for f in files) / MIB
    sink_rate = total / seconds["sink"].median
    rows: list[Row] = [
        (
            f"upload reference: raw ASGI sink, 4 in flight ({len(files)} files)",
            f"{sink_rate:.1f} MiB/s ±{seconds['sink'].spread:.0%}",
            "1.00",
            "",
        )
    ]
    labels = {
        "durable": "upload reference: durable sink (hash, write, fsync, rename)",
        "files": "upload: file API, 4 in flight, local",
        "bundle": "upload: bundle route, local",
        "push": "upload: tradewind push (batches), local",
        "push_per_file": "upload: tradewind push --batch-mib 0, local",
    }
    for key, label in labels.items():
        rate = total / seconds[key].median
        rows.append(
            (
                label,
                f"{rate:.1f} MiB/s ±{seconds[key].spread:.0%}",
                f"{rate / sink_rate:.2f} of the sink",
                f"RSS growth {growth[key].median:.1f} MiB" if key in growth else "",
            )
        )
    rows += s3
    return rows


def _s3_upload(upload, files, root, running_server, running_sink):  # type: ignore[no-untyped-def]
    total = sum(f.size for f in files) / MIB
    with (
        moto_server() as s3_env,
        running_sink() as sink,
        running_server(root / "data-s3", root / "s3.log", **s3_env) as server,
        httpx.Client(base_url=server.base_url, timeout=600) as client,
    ):
        app = upload.sign_in_and_create_app(client, "s3")
        token = client.headers["Authorization"].removeprefix("Bearer ")
        ceiling = upload.observe(sink, lambda: upload.upload_all(sink, "-", "/sink", files, 4))
        seen = upload.observe(server, lambda: upload.upload_all(server, token, app, files, 4))
    rate = total / seen.seconds
    return [
        (
            "upload: file API, 4 in flight, S3 (moto)",
            f"{rate:.1f} MiB/s",
            f"{rate / (total / ceiling.seconds):.2f} of the sink",
            f"RSS growth {seen.rss_growth_mib:.1f} MiB",
        )
    ]


def coldstart_section(rounds: int) -> list[Row]:
    cold = _module("coldstart_run", BENCH / "coldstart" / "run.py")
    samples = cold.measure(rounds)
    rows: list[Row] = []
    for key, label in (("serve", "cold start to /health/live"), ("help", "tradewind --help")):
        wall = Figure([s.wall for s in samples[key]])
        cpu = Figure([s.cpu for s in samples[key]])
        rows.append((label, wall.show("s", digits=3), f"CPU {cpu.show('s', digits=3)}", ""))
    return rows


def _module(name: str, path: Path):  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def _stop_cleanly(signum: int, frame: object) -> None:
    sys.exit(128 + signum)  # run the context managers' clean-up: no server left behind


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_cleanly)
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="duration of each load")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--upload-mib", type=int, default=100, help="size of the test bundle")
    parser.add_argument(
        "--only",
        choices=["device", "upload", "coldstart"],
        action="append",
        help="run only this section (repeatable); default: all",
    )
    args = parser.parse_args()
    started = time.monotonic()
    sections: dict[str, Callable[[], list[Row]]] = {
        "device": lambda: device_section(args.seconds, args.rounds),
        "upload": lambda: upload_section(args.upload_mib, max(2, args.rounds - 1)),
        "coldstart": lambda: coldstart_section(args.rounds),
    }
    rows: list[Row] = []
    for name, section in sections.items():
        if not args.only or name in args.only:
            print(f"running {name} …", file=sys.stderr, flush=True)
            done = section()
            for row in done:  # as soon as a section ends: a later failure loses nothing
                print("  " + " | ".join(row), file=sys.stderr, flush=True)
            rows += done
    load = os.getloadavg()
    print(f"\n{time.strftime('%Y-%m-%d %H:%M')} UTC, load average {load[0]:.1f}, ", end="")
    print(f"{time.monotonic() - started:.0f} s in all; {args.rounds} rounds of {args.seconds} s\n")
    width = max(len(r[0]) for r in rows)
    for name, figure, ratio, extra in rows:
        print(f"{name:<{width}}  {figure:<24} {ratio:<44} {extra}")


if __name__ == "__main__":
    main()
