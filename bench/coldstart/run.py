"""Cold start: time from `tradewind serve` to an answer on /health/live, and `tradewind --help`.

Each round starts a fresh `tradewind serve` (embedded default: SQLite and local blobs in a
temporary data directory that was migrated by a first start), polls `/health/live` every
5 ms over a raw socket, and records the wall time to the first `200` and the CPU time the
server's processes used until then (from /proc, children included). `tradewind --help` is
timed the same way. CPU time is the robust figure on a busy machine; wall time is the goal.

Run: `python bench/coldstart/run.py [--rounds 5]`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
TRADEWIND = str(VENV_BIN / "tradewind")
LIVE_REQUEST = b"GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


@dataclass
class Sample:
    wall: float
    cpu: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree_cpu(pid: int) -> float:
    """CPU seconds of `pid` and its live descendants (user + system)."""
    total = 0.0
    frontier = [pid]
    tick = os.sysconf("SC_CLK_TCK")
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


def _live(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(LIVE_REQUEST)
            return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND_")}
    env.update(
        TRADEWIND_DATA_DIR=str(data_dir),
        TRADEWIND_SECRET_KEY="cold-start-benchmark-secret-key-0123456789",  # noqa: S106
        TRADEWIND_ADMIN_EMAIL="cold@example.com",
        TRADEWIND_ADMIN_PASSWORD="benchmark-operator-passphrase-7",  # noqa: S106
        TRADEWIND_LOG_LEVEL="warning",
    )
    return env


def start_once(data_dir: Path, timeout: float = 120.0) -> Sample:
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [TRADEWIND, "serve", "--port", str(port)],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not _live(port):
            if proc.poll() is not None or time.perf_counter() - start > timeout:
                raise RuntimeError(f"tradewind serve did not come up (exit {proc.returncode})")
            time.sleep(0.005)
        wall = time.perf_counter() - start
        return Sample(wall, _tree_cpu(proc.pid))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def help_once() -> Sample:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([TRADEWIND, "--help"], stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall, cpu)


def measure(rounds: int) -> dict[str, list[Sample]]:
    with tempfile.TemporaryDirectory(prefix="tw-bench-cold-") as tmp:
        data_dir = Path(tmp)
        first = start_once(data_dir)  # migrates and creates the administrator
        samples: dict[str, list[Sample]] = {"serve": [], "help": [], "first": [first]}
        for _ in range(rounds):  # interleaved
            samples["serve"].append(start_once(data_dir))
            samples["help"].append(help_once())
    return samples


def median(samples: list[Sample], field: str) -> float:
    return statistics.median(getattr(s, field) for s in samples)


def spread(samples: list[Sample], field: str) -> float:
    values = [getattr(s, field) for s in samples]
    middle = statistics.median(values)
    return (max(values) - min(values)) / 2 / middle if middle else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    samples = measure(args.rounds)
    labels = {
        "first": "serve, first start (migrate, admin) to live",
        "serve": "serve, existing data dir, to /health/live",
        "help": "tradewind --help",
    }
    for key, label in labels.items():
        rows = samples[key]
        print(
            f"{label:<46} wall {median(rows, 'wall'):6.3f} s ± {spread(rows, 'wall'):4.0%}"
            f"   cpu {median(rows, 'cpu'):6.3f} s"
        )


if __name__ == "__main__":
    main()
