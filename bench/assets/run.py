"""Compressed downloads: bytes and time to fetch a JavaScript bundle, with and without.

Starts a real `tradewind serve` (SQLite, local blobs, temporary directory; server code from
bench/upload/server.py), uploads a 1.5 MiB real, minified JavaScript bundle (Playwright's Vite
assets from this virtualenv; generated JS-like text if they are absent), waits
for the background compressor, then downloads it repeatedly over loopback as identity, gzip
and brotli, checking that every decoded download has the bundle's SHA-256. Prints a Markdown
table for docs/performance.md.

    python bench/assets/run.py [--size-kib 1536] [--rounds 30]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import brotli
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "upload"))
from server import ADMIN_EMAIL, ADMIN_PASSWORD, running_server

SITE = Path(sys.prefix) / "lib"
MODES = {"identity": "identity", "gzip": "gzip", "br": "br", "browser": "gzip, deflate, br"}
# Links for the computed transfer times (bytes / bandwidth, no latency or TCP ramp-up).
LINKS = {"3G (1.5 Mbit/s)": 1.5e6, "4G (10 Mbit/s)": 10e6}


def real_javascript(size: int) -> bytes:
    """Production-minified JavaScript (as Metro's release bundles are): Playwright's Vite
    assets, distinct files concatenated; generated JS-like text when they are absent."""
    parts: dict[str, bytes] = {}
    for path in sorted(
        SITE.glob("python3*/site-packages/playwright/driver/package/lib/vite/**/*.js")
    ):
        data = path.read_bytes()
        parts.setdefault(hashlib.sha256(data).hexdigest(), data)
    text = b"\n".join(parts.values())
    if len(text) < size:
        lines = (f"function f{n}(a,b){{return a.map(x=>x*{n}+b)}}\n" for n in range(10**6))
        text = "".join(lines).encode()
    return text[:size]


def sign_in(client: httpx.Client) -> str:
    r = client.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    r.raise_for_status()
    client.headers["Authorization"] = f"Bearer {r.json()['token']}"
    client.post("/api/v1/orgs", json={"name": "bench"}).raise_for_status()
    client.post("/api/v1/orgs/bench/apps", json={"name": "shop"}).raise_for_status()
    return "/api/v1/orgs/bench/apps/shop"


def upload(client: httpx.Client, base: str, bundle: bytes) -> str:
    digest = hashlib.sha256(bundle).hexdigest()
    r = client.put(
        f"{base}/files/index.android.bundle",
        content=bundle,
        headers={"X-Checksum-Sha256": digest, "Content-Type": "application/javascript"},
    )
    r.raise_for_status()
    url = f"/assets/apps/1/sha256/{digest}"  # the first application of a fresh database
    client.head(url).raise_for_status()
    return url


def wait_for_variants(client: httpx.Client, url: str, timeout: float = 300) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        r = client.head(url, headers={"Accept-Encoding": "br"})
        if r.headers.get("content-encoding") == "br":
            return time.monotonic() - start
        time.sleep(0.05)
    raise RuntimeError("the compressed variants did not appear")


def download(client: httpx.Client, url: str, accept: str, digest: str) -> tuple[int, float]:
    """(bytes on the wire, seconds) for one GET; the decoded body must match the digest."""
    start = time.perf_counter()
    with client.stream("GET", url, headers={"Accept-Encoding": accept}) as r:
        r.raise_for_status()
        raw = b"".join(r.iter_raw())
    coding = r.headers.get("content-encoding")
    body = brotli.decompress(raw) if coding == "br" else gzip.decompress(raw) if coding else raw
    seconds = time.perf_counter() - start
    assert hashlib.sha256(body).hexdigest() == digest, accept
    return len(raw), seconds


def codec_seconds(bundle: bytes) -> dict[str, float]:
    timings: dict[str, float] = {}
    for name, compress in (
        ("gzip -9", lambda: gzip.compress(bundle, 9, mtime=0)),
        ("brotli q11", lambda: brotli.compress(bundle, quality=11)),
    ):
        start = time.process_time()
        compress()
        timings[name] = time.process_time() - start
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-kib", type=int, default=1536)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    bundle = real_javascript(args.size_kib * 1024)
    digest = hashlib.sha256(bundle).hexdigest()
    os.environ["TRADEWIND_OUTBOX_INTERVAL_SECONDS"] = "0.2"
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp) / "data", Path(tmp) / "serve.log") as server,
        httpx.Client(base_url=server.base_url, timeout=120) as client,
    ):
        url = upload(client, sign_in(client), bundle)
        ready = wait_for_variants(client, url)
        results: dict[str, tuple[int, list[float]]] = {}
        for mode, accept in MODES.items():
            download(client, url, accept, digest)  # warm-up
            runs = [download(client, url, accept, digest) for _ in range(args.rounds)]
            results[mode] = (runs[0][0], [seconds for _, seconds in runs])
    report(bundle, ready, results, codec_seconds(bundle))


def report(
    bundle: bytes,
    ready: float,
    results: dict[str, tuple[int, list[float]]],
    codecs: dict[str, float],
) -> None:
    print(f"bundle: {len(bundle)} bytes of JavaScript; variants ready {ready:.2f} s after upload")
    print("compression CPU (one core): " + ", ".join(f"{k} {v:.2f} s" for k, v in codecs.items()))
    links = " | ".join(LINKS)
    print(
        f"\n| Accept-Encoding | served | bytes | ratio | loopback median (incl. decode) | {links} |"
    )
    print("|---|---|---|---|---|" + "---|" * len(LINKS))
    identity = results["identity"][0]
    for mode, (size, seconds) in results.items():
        served = "br" if mode in ("br", "browser") else mode
        transfer = " | ".join(f"{size * 8 / bps:.2f} s" for bps in LINKS.values())
        median = statistics.median(seconds) * 1000
        print(
            f"| `{MODES[mode]}` | {served} | {size} | {size / identity:.1%} | {median:.1f} ms |"
            f" {transfer} |"
        )


if __name__ == "__main__":
    main()
