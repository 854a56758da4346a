"""Compressed downloads in local-storage mode: variants made in the background, negotiated
by Accept-Encoding, deleted with their blob; checksums verify after HTTP decoding."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import threading
from pathlib import Path

import brotli
import pytest
from fixtures.compression import compress, encodings_of, javascript
from fixtures.files import FilesKit, sha, zip_bytes
from fixtures.serving import DeviceKit, files_of, running_app, sdk_parse
from httpx import AsyncClient

from tradewind.assets.handler import PREFIX
from tradewind.compression import service as compression_service
from tradewind.compression.compress import (
    BACKGROUND_NICENESS,
    SAMPLE_COUNT,
    SAMPLE_SIZE,
    compress_file,
    looks_incompressible,
)
from tradewind.compression.service import compress_once
from tradewind.compression.variants import Coding
from tradewind.files.paths import blob_key
from tradewind.settings import Settings

JS = javascript()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"compression_brotli_quality": 5})


@pytest.fixture
async def key(kit: FilesKit) -> str:
    await kit.uploaded("main.js", JS)
    result = await compress(kit)
    assert (result.compressed, result.failed) == (1, [])
    return blob_key(kit.app_id, sha(JS))


def url_of(key: str) -> str:
    return f"{PREFIX}{key}"


def stored(kit: FilesKit, key: str) -> bytes:
    return (kit.app.ctx.settings.data_dir / "blobs" / key).read_bytes()


async def test_upload_returns_before_compression_and_a_sweep_catches_up(kit: FilesKit) -> None:
    await kit.uploaded("main.js", JS)
    key = blob_key(kit.app_id, sha(JS))
    # The background loop is asleep in these tests: the upload did not compress anything.
    assert await kit.storage_keys() == {key}
    assert await encodings_of(kit, JS) is None
    result = await compress(kit)
    assert (result.compressed, result.unchanged, result.failed) == (1, 0, [])
    assert await kit.storage_keys() == {key, f"{key}.br", f"{key}.gz"}
    assert await encodings_of(kit, JS) == "br,gzip"
    assert brotli.decompress(stored(kit, f"{key}.br")) == JS
    assert gzip.decompress(stored(kit, f"{key}.gz")) == JS
    assert len(stored(kit, f"{key}.br")) < len(JS) * 0.9
    again = await compress(kit)
    assert again.processed == 0


async def test_bundle_upload_files_are_compressed(kit: FilesKit) -> None:
    entries = {"index.android.bundle": JS, "assets/logo.png": os.urandom(4000)}
    r = await kit.upload_bundle(zip_bytes(entries), {"index": "index.android.bundle"})
    assert r.status_code == 201, r.text[:300]
    result = await compress(kit)
    assert (result.compressed, result.unchanged) == (1, 1)
    bundle_key = blob_key(kit.app_id, sha(JS))
    png_key = blob_key(kit.app_id, sha(entries["assets/logo.png"]))
    assert await kit.storage_keys() == {bundle_key, f"{bundle_key}.br", f"{bundle_key}.gz", png_key}


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
        ("*", "br"),
        (None, None),
        ("identity", None),
        ("gzip;q=0.5, identity", None),
        ("*;q=0", None),
    ],
)
async def test_get_negotiates(kit: FilesKit, key: str, accept: str | None, coding: str) -> None:
    request = kit.client.build_request("GET", url_of(key))
    del request.headers["accept-encoding"]  # httpx sends "gzip, deflate, br, zstd" by default
    if accept is not None:
        request.headers["accept-encoding"] = accept
    r = await kit.client.send(request, stream=True)
    raw = b"".join([chunk async for chunk in r.aiter_raw()])
    await r.aclose()
    assert r.status_code == 200
    assert r.headers["vary"] == "Accept-Encoding"
    assert r.headers["content-type"] == "text/javascript"
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    if coding is None:
        assert "content-encoding" not in r.headers
        assert r.headers["etag"] == f'"{sha(JS)}"'
        assert raw == JS
    else:
        suffix = ".br" if coding == "br" else ".gz"
        assert r.headers["content-encoding"] == coding
        assert r.headers["etag"] == f'"{sha(JS)}-{coding}"'
        assert raw == stored(kit, key + suffix)
    assert r.headers["content-length"] == str(len(raw))


async def test_http_client_decodes_to_the_original(kit: FilesKit, key: str) -> None:
    for accept in ("br", "gzip"):
        r = await kit.client.get(url_of(key), headers={"Accept-Encoding": accept})
        assert r.headers["content-encoding"] == accept
        assert hashlib.sha256(r.content).hexdigest() == sha(JS)


async def test_head_matches_get(kit: FilesKit, key: str) -> None:
    headers = {"Accept-Encoding": "gzip, br"}
    head = await kit.client.head(url_of(key), headers=headers)
    get = await kit.client.get(url_of(key), headers=headers)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    for name in ("content-encoding", "content-length", "etag", "vary", "content-type"):
        assert head.headers[name] == get.headers[name], name
    assert head.headers["content-length"] == str(len(stored(kit, f"{key}.br")))


async def test_ranges_are_of_the_identity_bytes(kit: FilesKit, key: str) -> None:
    headers = {"Accept-Encoding": "gzip, br", "Range": "bytes=100-199"}
    r = await kit.client.get(url_of(key), headers=headers)
    assert r.status_code == 206
    assert "content-encoding" not in r.headers
    assert r.content == JS[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{len(JS)}"
    assert r.headers["etag"] == f'"{sha(JS)}"'
    assert r.headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize("sent", ["", "-br", "-gzip"])
async def test_not_modified_for_any_representation(kit: FilesKit, key: str, sent: str) -> None:
    headers = {"Accept-Encoding": "br", "If-None-Match": f'"{sha(JS)}{sent}"'}
    r = await kit.client.get(url_of(key), headers=headers)
    assert r.status_code == 304
    assert r.content == b""
    assert r.headers["etag"] == f'"{sha(JS)}-br"'
    assert r.headers["vary"] == "Accept-Encoding"


async def test_images_are_not_compressed_and_do_not_vary(kit: FilesKit) -> None:
    png = b"\x89PNG" + b"\x00" * 5000  # compressible bytes, but an image type: never tried
    await kit.uploaded("logo.png", png)
    result = await compress(kit)
    assert result.unchanged == 1
    assert await encodings_of(kit, png) == ""
    key = blob_key(kit.app_id, sha(png))
    assert await kit.storage_keys() == {key}
    r = await kit.client.get(url_of(key), headers={"Accept-Encoding": "gzip, br"})
    assert r.status_code == 200
    assert "vary" not in r.headers
    assert "content-encoding" not in r.headers
    assert r.content == png


async def test_variants_that_do_not_shrink_are_not_kept(kit: FilesKit) -> None:
    noise = os.urandom(20_000)  # e.g. an already-compressed payload in a .hbc
    await kit.uploaded("index.android.hbc", noise)
    assert (await compress(kit)).unchanged == 1
    assert await encodings_of(kit, noise) == ""
    key = blob_key(kit.app_id, sha(noise))
    assert await kit.storage_keys() == {key}
    r = await kit.client.get(url_of(key), headers={"Accept-Encoding": "br"})
    assert "content-encoding" not in r.headers
    assert r.headers["vary"] == "Accept-Encoding"  # the type is compressible
    assert r.content == noise


async def test_hermes_bytecode_is_compressed_when_it_shrinks(kit: FilesKit) -> None:
    bytecode = b"\xc6\x1f\xbc\x03\xc1\x03\x19\x1f" + JS  # .hbc: application/octet-stream
    await kit.uploaded("index.android.hbc", bytecode)
    assert (await compress(kit)).compressed == 1
    assert await encodings_of(kit, bytecode) == "br,gzip"


async def test_deleting_the_file_deletes_its_variants(kit: FilesKit, key: str) -> None:
    r = await kit.client.delete(f"{kit.base}/files/main.js", headers=kit.owner.headers)
    assert r.status_code in (200, 204), r.text
    assert len(await kit.storage_keys()) == 3
    assert (await kit.drain()).deleted == 1
    assert await kit.storage_keys() == set()


async def test_variants_of_a_deleted_blob_are_never_written(kit: FilesKit) -> None:
    await kit.uploaded("main.js", JS)
    r = await kit.client.delete(f"{kit.base}/files/main.js", headers=kit.owner.headers)
    assert r.status_code in (200, 204), r.text
    assert (await compress(kit)).processed == 0
    await kit.drain()
    assert await kit.storage_keys() == set()


async def test_switched_off_serves_identity(kit: FilesKit, key: str, settings: Settings) -> None:
    off = settings.model_copy(update={"compression_enabled": False})
    async with running_app(off) as (_, http):
        r = await http.get(url_of(key), headers={"Accept-Encoding": "gzip, br"})
    assert r.status_code == 200
    assert "content-encoding" not in r.headers
    assert "vary" not in r.headers
    assert r.content == JS


async def test_device_checksum_verifies_after_decoding(kit: FilesKit, client: AsyncClient) -> None:
    entries = {"index.android.bundle": JS, "config.json": b'{"a": 1}' * 300}
    r = await kit.upload_bundle(zip_bytes(entries), {"index": "index.android.bundle"})
    assert r.status_code == 201, r.text[:300]
    assert (await compress(kit)).compressed == 2
    device = DeviceKit(kit.app, kit.client, kit.owner, kit.app_id)
    await device.live(r.json()["version"])
    check = await device.check()
    assert check.status_code == 200, check.text
    downloaded = files_of(sdk_parse(check.json()))
    assert {entry["checksum"] for entry in downloaded} == {sha(data) for data in entries.values()}
    for entry in downloaded:
        got = await client.get(entry["url"], headers={"Accept-Encoding": "gzip, br"})
        assert got.headers["content-encoding"] == "br"
        assert hashlib.sha256(got.content).hexdigest() == entry["checksum"]


async def test_a_failing_blob_is_retried_later_and_does_not_block_others(kit: FilesKit) -> None:
    broken, fine = JS + b"\n// broken", JS + b"\n// fine"
    await kit.uploaded("broken.js", broken)
    await kit.uploaded("fine.js", fine)
    (kit.app.ctx.settings.data_dir / "blobs" / blob_key(kit.app_id, sha(broken))).unlink()
    result = await compress(kit)
    assert result.compressed == 1
    assert len(result.failed) == 1
    assert await encodings_of(kit, broken) is None  # still pending: a later sweep retries
    assert await encodings_of(kit, fine) == "br,gzip"
    ctx = kit.app.ctx
    skipped = await compress_once(
        ctx.db, ctx.blob_store, ctx.settings, exclude=frozenset(result.failed)
    )
    assert skipped.processed == 0


def niceness_of(thread: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, thread)


@pytest.fixture
def compressions(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Each real `compress_file` call: its coding and the nice value of its thread."""
    calls: list[tuple[str, int]] = []

    def recorded(source: Path, target: Path, coding: Coding, quality: int) -> int:
        calls.append((coding, niceness_of(threading.get_native_id())))
        return compress_file(source, target, coding, quality)

    monkeypatch.setattr(compression_service, "compress_file", recorded)
    return calls


async def test_a_large_incompressible_file_is_not_compressed_at_all(
    kit: FilesKit, compressions: list[tuple[str, int]]
) -> None:
    noise = os.urandom(1024 * 1024)  # an .hbc holding an already-compressed payload
    await kit.uploaded("index.android.hbc", noise)
    assert (await compress(kit)).unchanged == 1
    assert await encodings_of(kit, noise) == ""
    assert compressions == []  # the samples decided: no CPU spent on brotli at level 11


async def test_a_packed_head_does_not_hide_a_compressible_rest(
    kit: FilesKit, compressions: list[tuple[str, int]]
) -> None:
    mixed = os.urandom(300 * 1024) + javascript(12_000)
    await kit.uploaded("index.android.bundle", mixed)
    assert (await compress(kit)).compressed == 1
    assert await encodings_of(kit, mixed) == "br,gzip"
    assert [coding for coding, _ in compressions] == ["br", "gzip"]


async def test_compression_runs_in_a_thread_of_lower_priority(
    kit: FilesKit, compressions: list[tuple[str, int]]
) -> None:
    await kit.uploaded("main.js", JS)
    await compress(kit)
    requests_niceness = niceness_of(threading.get_native_id())
    assert [niceness for _, niceness in compressions] == 2 * [
        min(19, requests_niceness + BACKGROUND_NICENESS)
    ]


@pytest.mark.parametrize("size", [1000, SAMPLE_SIZE + 1, SAMPLE_COUNT * SAMPLE_SIZE + 1, 2_000_000])
def test_samples_cover_a_small_file_whole_and_a_large_one_from_head_to_tail(
    tmp_path: Path, size: int
) -> None:
    noise = os.urandom(size)
    text = javascript(SAMPLE_SIZE // 50)[: min(size, SAMPLE_SIZE)]
    cases = {
        "noise": (noise, True),
        "text at the head": (text + noise[len(text) :], False),
        "text at the tail": (noise[: size - len(text)] + text, False),
    }
    for name, (data, incompressible) in cases.items():
        sample = tmp_path / name
        sample.write_bytes(data)
        assert looks_incompressible(sample, size) is incompressible, name


async def test_the_compressor_waits_while_an_upload_is_in_flight(kit: FilesKit) -> None:
    await kit.uploaded("main.js", JS)
    ctx = kit.app.ctx
    with ctx.uploads.uploading():
        sweep = asyncio.ensure_future(
            compress_once(ctx.db, ctx.blob_store, ctx.settings, uploads=ctx.uploads)
        )
        await asyncio.sleep(0.3)
        assert not sweep.done()
        assert await encodings_of(kit, JS) is None
    result = await asyncio.wait_for(sweep, timeout=30)
    assert result.compressed == 1
    assert await encodings_of(kit, JS) == "br,gzip"
