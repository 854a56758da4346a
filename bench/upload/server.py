"""A real `tradewind serve` process for the upload benchmark, and its memory from /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

VENV_BIN = Path(sys.executable).parent
ADMIN_EMAIL = "operator@example.com"
ADMIN_PASSWORD = "upload-benchmark-7f3k2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base_url: str

    def descendants(self) -> list[int]:
        """Every process started under the server (granian's workers)."""
        found: list[int] = []
        frontier = [self.proc.pid]
        while frontier:
            pid = frontier.pop()
            for child in _children(pid):
                found.append(child)
                frontier.append(child)
        return found

    def workers(self) -> list[int]:
        return self.descendants() or [self.proc.pid]


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children.extend(int(c) for c in (task / "children").read_text().split())
    return children


def memory_kib(pid: int, field: str) -> int:
    """`VmRSS` (now) or `VmHWM` (peak since start or the last reset) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak(pid: int) -> None:
    """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


@contextlib.contextmanager
def running_server(
    data_dir: Path, log: Path, workers: int | None = None, **extra_env: str
) -> Iterator[Server]:
    """`tradewind serve` with its default settings unless `workers` or `extra_env` say
    otherwise (local blob storage by default)."""
    port = free_port()
    env = {
        **os.environ,
        "TRADEWIND_DATA_DIR": str(data_dir),
        "TRADEWIND_DATABASE_URL": "",
        "TRADEWIND_STORAGE_BACKEND": "local",
        "TRADEWIND_LOG_LEVEL": "warning",
        "TRADEWIND_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **extra_env,
    }
    command = [
        str(VENV_BIN / "tradewind"),
        "serve",
        "--port",
        str(port),
        *(["--workers", str(workers)] if workers else []),
        "--admin-email",
        ADMIN_EMAIL,
        "--admin-password",
        ADMIN_PASSWORD,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(proc, f"http://127.0.0.1:{port}")
    try:
        try:
            _wait_until_live(server)
        except RuntimeError:
            print(log.read_text()[-2000:])
            raise
        yield server
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def running_sink(workers: int | None = None, durable_dir: Path | None = None) -> Iterator[Server]:
    """granian serving `sink.py`: bodies read and dropped (the HTTP ceiling), or with
    `durable_dir`, hashed, written, fsync'd and renamed there (the storage floor)."""
    port = free_port()
    command = [
        str(VENV_BIN / "granian"),
        "--interface",
        "asgi",
        "--port",
        str(port),
        "--workers",
        str(workers or 1),
        *(["--factory", "sink:durable_app"] if durable_dir else ["sink:app"]),
    ]
    env = {**os.environ, "SINK_DIR": str(durable_dir)} if durable_dir else None
    proc = subprocess.Popen(
        command,
        cwd=Path(__file__).parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(proc, f"http://127.0.0.1:{port}")
    try:
        _wait_until_live(server)
        yield server
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_live(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"tradewind serve exited with {server.proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.base_url}/health/live", timeout=2).status_code in (200, 201):
                return
        time.sleep(0.2)
    raise RuntimeError("tradewind serve did not start")
