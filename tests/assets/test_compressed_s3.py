"""Compressed variants in S3 mode (moto over HTTP): separate objects `<key>.br`/`<key>.gz`
with Content-Encoding metadata, for a CDN that picks them by Accept-Encoding."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from fixtures.compression import compress, encodings_of, javascript
from fixtures.files import FilesKit, s3_settings, sha
from fixtures.s3server import s3_test_client

from tradewind.files.paths import blob_key
from tradewind.settings import Settings

JS = javascript()


@pytest.fixture
def settings(settings: Settings, s3_server: str, s3_bucket: str) -> Settings:
    quick = settings.model_copy(update={"compression_brotli_quality": 5})
    return s3_settings(quick, s3_server, s3_bucket)


async def test_variants_are_objects_with_content_encoding(kit: FilesKit, s3_bucket: str) -> None:
    await kit.uploaded("main.js", JS)
    assert (await compress(kit)).compressed == 1
    assert await encodings_of(kit, JS) == "br,gzip"
    key = blob_key(kit.app_id, sha(JS))
    assert await kit.storage_keys() == {key, f"{key}.br", f"{key}.gz"}
    raw = s3_test_client(kit.app.ctx.settings.s3_endpoint_url or "")
    for suffix, coding in ((".br", "br"), (".gz", "gzip")):
        head = raw.head_object(Bucket=s3_bucket, Key=f"tw/{key}{suffix}")
        assert head["ContentEncoding"] == coding
        assert head["ContentType"] == "text/javascript"
        assert head["ContentLength"] < len(JS) * 0.9
    original = raw.head_object(Bucket=s3_bucket, Key=f"tw/{key}")
    assert "ContentEncoding" not in original


async def test_bucket_serves_variants_that_decode_to_the_checksum(kit: FilesKit) -> None:
    await kit.uploaded("main.js", JS)
    await compress(kit)
    key = blob_key(kit.app_id, sha(JS))
    async with httpx.AsyncClient() as http:  # straight from the bucket, as a CDN origin fetch
        for suffix, coding in ((".br", "br"), (".gz", "gzip")):
            r = await http.get(kit.store.device_url(key + suffix, "unused"))
            assert r.status_code == 200
            assert r.headers["content-encoding"] == coding
            assert hashlib.sha256(r.content).hexdigest() == sha(JS)


async def test_deleting_the_blob_deletes_its_variant_objects(kit: FilesKit) -> None:
    await kit.uploaded("main.js", JS)
    await compress(kit)
    r = await kit.client.delete(f"{kit.base}/files/main.js", headers=kit.owner.headers)
    assert r.status_code in (200, 204), r.text
    assert (await kit.drain()).deleted == 1
    assert await kit.storage_keys() == set()
