"""Processes of the benchmark: Tradewind (granian), nginx, wrk."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

VENV_BIN = Path(sys.executable).parent
NGINX = "/usr/sbin/nginx"
WRK = "/usr/bin/wrk"
LUA = Path(__file__).parent / "mix.lua"
PLAIN_LUA = Path(__file__).parent / "plain.lua"
# The main process of every server started here, by base URL (for CPU time from /proc).
PIDS: dict[str, int] = {}


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and all its live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                frontier += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def worker_count(base: str) -> int:
    """How many worker processes the granian server at `base` runs (its direct children)."""
    pid = PIDS[base]
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return max(1, len(children))


EXPO_LUA = Path(__file__).parent / "expo.lua"
BENCH_MASTER_KEY = base64.b64encode(secrets.token_bytes(32)).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(
    url: str, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} was ready")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout}s")


@contextlib.contextmanager
def running(
    cmd: list[str], env: dict[str, str] | None, ready_url: str, log: Path
) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        PIDS[ready_url.rsplit("/health/", 1)[0]] = proc.pid
        try:
            try:
                wait_until_ready(ready_url, proc=proc)
            except RuntimeError:
                sys.stderr.write(log.read_text(errors="replace")[-3000:])
                raise
            yield
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def tradewind_env(database_url: str, data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND_")}
    env.update(
        TRADEWIND_DATABASE_URL=database_url,
        TRADEWIND_DATA_DIR=str(data_dir),
        TRADEWIND_SECRET_KEY="bench-secret-key-bench-secret-key",  # noqa: S106 - throw-away
        TRADEWIND_PUBLIC_BASE_URL="https://ota.example.com",
        # Every server of a run shares the database, so they share its key-encryption key.
        TRADEWIND_MASTER_KEY=BENCH_MASTER_KEY,
        TRADEWIND_LOG_LEVEL="warning",
        # The seeded blob rows have no stored objects: the compressor would retry every one of
        # them all through the run (warnings and CPU that no measured request causes).
        TRADEWIND_COMPRESSION_ENABLED="false",
        TRADEWIND_HOST="127.0.0.1",
        TRADEWIND_PORT=str(port),
        TRADEWIND_ADMIN_EMAIL="operator@example.com",
        TRADEWIND_ADMIN_PASSWORD="correct-horse-battery-staple",  # noqa: S106 - throw-away
    )
    return env


@contextlib.contextmanager
def tradewind(
    database_url: str, data_dir: Path, workers: int | None, log: Path, **extra_env: str
) -> Iterator[str]:
    """`tradewind serve` (granian) on a free port; yields its base URL once ready.
    `workers=None`: serve's default."""
    port = free_port()
    cmd = [str(VENV_BIN / "tradewind"), "serve"]
    cmd += ["--workers", str(workers)] if workers else []
    base = f"http://127.0.0.1:{port}"
    env = {**tradewind_env(database_url, data_dir, port), **extra_env}
    with running(cmd, env, f"{base}/health/ready", log):
        yield base


@contextlib.contextmanager
def granian_factory(
    target: str,
    database_url: str,
    data_dir: Path,
    workers: int,
    log: Path,
    options: tuple[str, ...] = (),
    interface: str = "asgi",
    **extra_env: str,
) -> Iterator[str]:
    """A granian app factory (a variant of Tradewind, or a reference) on a free port, with
    extra granian command-line `options`."""
    port = free_port()
    cmd = [
        str(VENV_BIN / "granian"),
        "--interface", interface, "--factory", "--workers", str(workers),
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *options, target,
    ]  # fmt: skip
    env = tradewind_env(database_url, data_dir, port)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    env.update(extra_env)
    base = f"http://127.0.0.1:{port}"
    with running(cmd, env, f"{base}/health/ready", log):
        yield base


NGINX_CONF = """
{user}
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ application/json json; }}
    server {{
        listen 127.0.0.1:{port};
        location = /health/ready {{ return 200 "ok"; }}
        location / {{
            root {root}/www;
            default_type application/json;
            add_header Cache-Control "public, max-age=0, s-maxage=60";
            add_header Vary "x-dimension";
        }}
    }}
}}
"""


@contextlib.contextmanager
def nginx(root: Path, body: bytes, paths: list[str], workers: int) -> Iterator[str]:
    """nginx serving `body` as a static file at each of `paths` (Tradewind's URL shapes)."""
    port = free_port()
    for path in paths:
        target = root / "www" / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    for item in [root, *root.rglob("*")]:  # nginx workers run unprivileged
        item.chmod(0o755 if item.is_dir() else 0o644)
    conf = root / "nginx.conf"
    # As root, nginx workers would switch to "nobody", who cannot enter the private temp dir.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(NGINX_CONF.format(user=user, workers=workers, root=root, port=port))
    cmd = [NGINX, "-p", str(root), "-c", str(conf)]
    base = f"http://127.0.0.1:{port}"
    with running(cmd, None, f"{base}/health/ready", root / "nginx.log"):
        yield base


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    status_errors: int

    @classmethod
    def parse(cls, output: str) -> Load:
        line = next(x for x in output.splitlines() if x.startswith("{"))
        data: dict[str, Any] = json.loads(line)
        return cls(
            requests_per_second=data["requests"] / (data["duration_us"] / 1e6),
            p50_ms=data["p50_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            requests=data["requests"],
            errors=data["errors"],
            status_errors=data["status_errors"],
        )


def wrk(
    base: str,
    requests_file: Path | None,
    seconds: int,
    threads: int,
    connections: int,
    lua: Path = LUA,
) -> Load:
    """Replay `requests_file` (see mix.lua, or `lua`), or a single plain GET of `base`."""
    script = ["-s", str(lua), base, "--", str(requests_file)] if requests_file else []
    if requests_file is None:
        script = ["-s", str(PLAIN_LUA), base]
    cmd = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", *script]
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return Load.parse(result.stdout)
