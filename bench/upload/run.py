"""Upload benchmark: push a 200 MiB bundle of 500 files through the file upload API.

Starts a real `tradewind serve` (SQLite, local blobs, temporary directory), creates an org
and an app, uploads every file with a streamed PUT (one connection, one file at a time),
then creates a package of them. Reports:

- the server worker's peak RSS growth during the uploads (VmHWM, reset after warm-up);
- upload throughput, and the same bytes copied with `shutil.copyfile` on the same disk
  (the reference), and their ratio.

Run: `python bench/upload/run.py [--files 500] [--total-mib 200]`. Targets: RSS growth
under 64 MiB, throughput ratio at least 0.5.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from server import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    VENV_BIN,
    Server,
    cpu_seconds,
    memory_kib,
    reset_peak,
    running_server,
    running_sink,
)

MIB = 1024 * 1024
READ_CHUNK = 256 * 1024


@dataclass
class BundleFile:
    path: str
    source: Path
    size: int
    sha256: str


def generate_bundle(root: Path, count: int, total: int, seed: int = 7) -> list[BundleFile]:
    """`count` files of varied sizes (a few big bundles, many small assets) summing to `total`."""
    rng = random.Random(seed)
    weights = [rng.paretovariate(1.2) for _ in range(count)]
    scale = total / sum(weights)
    sizes = [max(1, int(w * scale)) for w in weights]
    sizes[0] += total - sum(sizes)
    files = []
    for i, size in enumerate(sizes):
        path = f"assets/dir{i % 20}/file{i}.bin" if i else "index.android.bundle"
        source = root / f"{i:04d}.bin"
        digest = hashlib.sha256()
        with source.open("wb") as fh:
            remaining = size
            while remaining:
                chunk = rng.randbytes(min(MIB, remaining))
                digest.update(chunk)
                fh.write(chunk)
                remaining -= len(chunk)
        files.append(BundleFile(path, source, size, digest.hexdigest()))
    return files


def stream(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(READ_CHUNK):
            yield chunk


def sign_in_and_create_app(client: httpx.Client, name: str) -> str:
    if "Authorization" not in client.headers:
        login = client.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        client.post("/api/v1/orgs", json={"name": "bench"}).raise_for_status()
    client.post("/api/v1/orgs/bench/apps", json={"name": name}).raise_for_status()
    return f"/api/v1/orgs/bench/apps/{name}"


def upload_all(
    server: Server, token: str, base: str, files: list[BundleFile], workers: int
) -> float:
    """Upload every file, `workers` at a time (each with its own connection)."""
    local = threading.local()

    def upload(f: BundleFile) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(
                base_url=server.base_url, timeout=300, headers={"Authorization": f"Bearer {token}"}
            )
        r = local.client.put(
            f"{base}/files/{f.path}",
            content=stream(f.source),
            headers={"X-Checksum-Sha256": f.sha256, "Content-Length": str(f.size)},
        )
        if r.status_code != 201:
            raise RuntimeError(f"upload of {f.path} failed: {r.status_code} {r.text[:200]}")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(upload, files))


def copy_all(files: list[BundleFile], target: Path, fsync: bool) -> float:
    target.mkdir()
    os.sync()  # every measurement starts with no dirty pages waiting to be written
    start = time.perf_counter()
    for f in files:
        destination = target / f.source.name
        shutil.copyfile(f.source, destination)
        if fsync:
            fd = os.open(destination, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
    return time.perf_counter() - start


def warm_up(client: httpx.Client, base: str, workdir: Path) -> None:
    """Exercise every code path once so imports and caches are not counted as growth."""
    sample = workdir / "warmup.bin"
    sample.write_bytes(os.urandom(3 * MIB))
    digest = hashlib.sha256(sample.read_bytes()).hexdigest()
    for name in ("warmup/a.bin", "warmup/b.bin"):
        r = client.put(
            f"{base}/files/{name}", content=stream(sample), headers={"X-Checksum-Sha256": digest}
        )
        r.raise_for_status()
    client.get(f"{base}/files").raise_for_status()


@dataclass
class Observed:
    seconds: float
    rss_growth_mib: float
    baseline_rss_mib: float
    server_cpu_seconds: float


def observe(server: Server, action: Callable[[], object]) -> Observed:
    """Run `action`, measuring wall time and the worker's peak RSS growth and CPU time."""
    workers = server.workers()
    for pid in workers:
        reset_peak(pid)
    baseline = {pid: memory_kib(pid, "VmRSS") for pid in workers}
    cpu_before = sum(cpu_seconds(pid) for pid in workers)
    os.sync()
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    growth = max(memory_kib(pid, "VmHWM") - baseline[pid] for pid in workers)
    cpu = sum(cpu_seconds(pid) for pid in workers) - cpu_before
    return Observed(seconds, growth / 1024, max(baseline.values()) / 1024, cpu)


def make_zip(files: list[BundleFile], target: Path) -> Path:
    """The same files as a bundle archive (stored: the bytes are random anyway)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as zf:
        for f in files:
            zf.write(f.source, f.path)
    return target


def bundle_tree(files: list[BundleFile], target: Path) -> Path:
    """The files at their paths under `target` (hard links), as `tradewind push` reads them."""
    for f in files:
        (target / f.path).parent.mkdir(parents=True, exist_ok=True)
        os.link(f.source, target / f.path)
    return target


def push_cli(server: Server, token: str, tree: Path, app: str, *options: str) -> None:
    """`tradewind push` of the tree into a new package of bench/`app`."""
    command = [str(VENV_BIN / "tradewind"), "push", str(tree), "--org", "bench", "--app", app]
    command += ["--index", "index.android.bundle", "--json", *options]
    env = {**os.environ, "TRADEWIND_SERVER": server.base_url, "TRADEWIND_TOKEN": token}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"tradewind push failed: {done.stderr[-500:]}")


def upload_bundle(client: httpx.Client, base: str, archive: Path, index: str) -> None:
    with archive.open("rb") as fh:
        r = client.post(
            f"{base}/bundles",
            files={"archive": ("bundle.zip", fh, "application/zip")},
            data={"manifest": json.dumps({"index": index})},
        )
    if r.status_code != 201:
        raise RuntimeError(f"bundle upload failed: {r.status_code} {r.text[:200]}")


def measure(
    server: Server, files: list[BundleFile], workdir: Path, concurrency: int
) -> dict[str, Observed]:
    archive = make_zip(files, workdir / "bundle.zip")
    with httpx.Client(base_url=server.base_url, timeout=600) as client:
        base = sign_in_and_create_app(client, "app")
        warm_up(client, base, workdir)
        token = client.headers["Authorization"].removeprefix("Bearer ")
        uploads = observe(server, lambda: upload_all(server, token, base, files, concurrency))
        package = client.post(
            f"{base}/packages",
            json={"index": files[0].path, "important": [f.path for f in files[1:]]},
        )
        package.raise_for_status()
        assert len(package.json()["files"]) == len(files)
        # A second application, so that every blob is new again.
        other = sign_in_and_create_app(client, "bundle")
        bundle = observe(server, lambda: upload_bundle(client, other, archive, files[0].path))
    return {"uploads": uploads, "bundle": bundle}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--total-mib", type=int, default=200)
    parser.add_argument(
        "--concurrency", type=int, default=4, help="uploads in flight, like `tradewind push`"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="server worker processes (default: serve's)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tw-bench-upload-", dir=args.workdir) as tmp:
        root = Path(tmp)
        (root / "bundle").mkdir()
        files = generate_bundle(root / "bundle", args.files, args.total_mib * MIB)
        copy_seconds = copy_all(files, root / "copy", fsync=False)
        copy_fsync_seconds = copy_all(files, root / "copy-fsync", fsync=True)
        with running_sink(args.workers) as sink:
            ceiling = observe(
                sink, lambda: upload_all(sink, "-", "/sink", files, args.concurrency)
            ).seconds
        with running_server(root / "data", root / "server.log", args.workers) as server:
            result = measure(server, files, root, args.concurrency)
    report(
        files,
        args.concurrency,
        result,
        copy_seconds,
        [
            ("shutil.copyfile + fsync (for information)", copy_fsync_seconds),
            (f"raw ASGI sink under granian, {args.concurrency} at a time", ceiling),
        ],
    )


def report(
    files: list[BundleFile],
    concurrency: int,
    result: dict[str, Observed],
    copy_seconds: float,
    context: list[tuple[str, float]],
) -> None:
    total = sum(f.size for f in files) / MIB
    largest = max(f.size for f in files) / MIB
    rows = [("shutil.copyfile (reference)", copy_seconds), *context]
    print(f"bundle: {len(files)} files, {total:.1f} MiB (largest {largest:.1f} MiB)")
    for name, seconds in rows:
        print(f"{name:<46} {seconds:7.2f} s {total / seconds:8.1f} MiB/s")
    labels = {
        "uploads": f"file upload API, {concurrency} at a time",
        "bundle": "bundle upload (one .zip, one request)",
    }
    for key, label in labels.items():
        seen = result[key]
        print(
            f"{label:<46} {seen.seconds:7.2f} s {total / seen.seconds:8.1f} MiB/s"
            f"   ratio to copyfile {copy_seconds / seen.seconds:.3f} (target >= 0.5)"
        )
        print(
            f"    server worker: RSS {seen.baseline_rss_mib:.1f} MiB before, peak growth "
            f"{seen.rss_growth_mib:.1f} MiB (target < 64); CPU {seen.server_cpu_seconds:.2f} s"
        )


if __name__ == "__main__":
    main()
