"""A real `tradewind serve` (granian, `pathsend`) sends the stored variants, and its own
background loop makes them for a blob uploaded while no compressor ran."""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path

import httpx
from fixtures import database
from fixtures.compression import encodings_of, javascript
from fixtures.files import FilesKit, sha
from fixtures.processes import tradewind_serve

from tradewind.assets.handler import PREFIX
from tradewind.files.paths import blob_key

JS = javascript()
DEADLINE_SECONDS = 60.0  # bounds a broken test only


async def _wait_for_brotli(http: httpx.AsyncClient, url: str) -> None:
    """Until the server's own background loop has made the variants."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        r = await http.head(url, headers={"Accept-Encoding": "br"})
        if r.headers.get("content-encoding") == "br":
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the served process never compressed the blob")


async def test_served_process_compresses_and_sends_variants(
    kit: FilesKit, test_database: database.TestDatabase, data_dir: Path
) -> None:
    await kit.uploaded("main.js", JS)  # in-process, whose compressor is asleep
    assert await encodings_of(kit, JS) is None
    url = PREFIX + blob_key(kit.app_id, sha(JS))
    async with (
        tradewind_serve(
            test_database.url,
            data_dir,
            workers=1,
            outbox_interval_seconds="0.2",
            compression_brotli_quality="5",
        ) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as http,
    ):
        await _wait_for_brotli(http, url)
        for accept in ("br", "gzip"):
            r = await http.get(url, headers={"Accept-Encoding": accept})
            assert r.status_code == 200
            assert r.headers["content-encoding"] == accept
            assert r.headers["vary"] == "Accept-Encoding"
            assert int(r.headers["content-length"]) == r.num_bytes_downloaded < len(JS) * 0.9
            assert hashlib.sha256(r.content).hexdigest() == sha(JS)
        plain = await http.get(url, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert plain.content == JS
    assert await encodings_of(kit, JS) == "br,gzip"
