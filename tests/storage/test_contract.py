"""One contract, every backend: local disk in tmp_path and S3 over HTTP against moto."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fixtures.s3server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from pydantic import SecretStr
from storage.helpers import all_keys, payload, read_all, source_file

from tradewind.errors import BadRequest
from tradewind.settings import Settings
from tradewind.storage import BlobNotFound, BlobStore, LocalBlobStore, create_blob_store
from tradewind.storage.base import READ_CHUNK_SIZE
from tradewind.storage.s3 import S3BlobStore

pytestmark = pytest.mark.once  # no database: one run is enough

S3_PREFIX = "tenant-a/tw"
PRESIGN_TTL = 900
KEY = "apps/12/sha256/abc123"


def s3_settings(endpoint: str, bucket: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "storage_backend": "s3",
        "s3_bucket": bucket,
        "s3_prefix": S3_PREFIX,
        "s3_region": REGION,
        "s3_endpoint_url": endpoint,
        "s3_access_key_id": ACCESS_KEY_ID,
        "s3_secret_access_key": SecretStr(SECRET_ACCESS_KEY),
        "s3_presign_ttl_seconds": PRESIGN_TTL,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    else:
        endpoint = request.getfixturevalue("s3_server")
        settings = s3_settings(endpoint, request.getfixturevalue("s3_bucket"))
    blob_store = create_blob_store(settings)
    yield blob_store
    await blob_store.close()


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


async def test_put_then_exists_size_and_read(store: BlobStore, src: Path) -> None:
    data = payload(3 * READ_CHUNK_SIZE + 17)
    assert not await store.exists(KEY)
    await store.put_file(KEY, source_file(src, data), "application/javascript")
    assert await store.exists(KEY)
    assert await store.size(KEY) == len(data)
    chunks = [chunk async for chunk in store.read_range(KEY, 0, None)]
    assert b"".join(chunks) == data
    assert len(chunks) >= 4
    assert all(0 < len(chunk) <= READ_CHUNK_SIZE for chunk in chunks)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 0, slice(0, 1)),  # first byte
        (1000, 1999, slice(1000, 2000)),  # middle
        (READ_CHUNK_SIZE - 3, READ_CHUNK_SIZE + 3, slice(READ_CHUNK_SIZE - 3, READ_CHUNK_SIZE + 4)),
        (299_999, 299_999, slice(299_999, 300_000)),  # last byte
        (299_990, None, slice(299_990, None)),  # to the end
        (299_997, 10**9, slice(299_997, None)),  # end past the blob is clipped
        (300_000, None, slice(0, 0)),  # start at the end: nothing
        (10**9, 10**9 + 5, slice(0, 0)),  # start far past the end: nothing
    ],
)
async def test_read_range(
    store: BlobStore, src: Path, start: int, end: int | None, expected: slice
) -> None:
    data = payload(300_000)
    await store.put_file(KEY, source_file(src, data), "application/octet-stream")
    assert await read_all(store, KEY, start, end) == data[expected]


async def test_empty_blob(store: BlobStore, src: Path) -> None:
    await store.put_file(KEY, source_file(src, b""), "text/plain")
    assert await store.size(KEY) == 0
    assert await read_all(store, KEY) == b""
    assert await read_all(store, KEY, 0, 10) == b""


@pytest.mark.parametrize(("start", "end"), [(-1, None), (-1, 5), (5, 4)])
async def test_invalid_range_rejected(
    store: BlobStore, src: Path, start: int, end: int | None
) -> None:
    await store.put_file(KEY, source_file(src, b"0123456789"), "text/plain")
    with pytest.raises(BadRequest) as info:
        await read_all(store, KEY, start, end)
    assert info.value.code == "invalid_blob_range"


async def test_put_is_idempotent_and_replaces(store: BlobStore, src: Path) -> None:
    first = source_file(src, b"first version", "a")
    await store.put_file(KEY, first, "text/plain")
    await store.put_file(KEY, first, "text/plain")
    assert await read_all(store, KEY) == b"first version"
    await store.put_file(KEY, source_file(src, b"second", "b"), "text/plain")
    assert await read_all(store, KEY) == b"second"
    assert await all_keys(store) == {KEY}


async def test_concurrent_puts_of_same_key(store: BlobStore, src: Path) -> None:
    data = payload(200_000, seed=7)
    path = source_file(src, data)
    await asyncio.gather(*(store.put_file(KEY, path, "image/png") for _ in range(5)))
    assert await read_all(store, KEY) == data
    assert await all_keys(store) == {KEY}


async def test_delete(store: BlobStore, src: Path) -> None:
    await store.put_file(KEY, source_file(src, b"bye"), "text/plain")
    await store.put_file("apps/12/sha256/other", source_file(src, b"stay"), "text/plain")
    await store.delete(KEY)
    assert not await store.exists(KEY)
    assert await all_keys(store) == {"apps/12/sha256/other"}
    await store.delete(KEY)  # already gone: fine
    await store.delete("never/existed")


async def test_missing_blob(store: BlobStore) -> None:
    with pytest.raises(BlobNotFound) as info:
        await store.size("apps/1/missing")
    assert (info.value.status, info.value.code) == (404, "blob_not_found")
    with pytest.raises(BlobNotFound) as info:
        await read_all(store, "apps/1/missing")
    assert info.value.code == "blob_not_found"
    with pytest.raises(BlobNotFound):
        await read_all(store, "apps/1/missing", 5, 10)
    assert not await store.exists("apps/1/missing")


async def test_a_key_prefix_is_not_a_blob(store: BlobStore, src: Path) -> None:
    await store.put_file("apps/1/dir/file", source_file(src, b"x"), "text/plain")
    assert not await store.exists("apps/1/dir")
    with pytest.raises(BlobNotFound):
        await store.size("apps/1/dir")
    with pytest.raises(BlobNotFound):
        await read_all(store, "apps/1/dir")
    await store.delete("apps/1/dir")
    assert await store.exists("apps/1/dir/file")


async def test_list_keys_by_prefix(store: BlobStore, src: Path) -> None:
    keys = {"apps/1/a", "apps/1/b/c", "apps/12/x", "other/y", "top"}
    path = source_file(src, b"k")
    for key in keys:
        await store.put_file(key, path, "text/plain")
    assert await all_keys(store) == keys
    assert await all_keys(store, "apps/1/") == {"apps/1/a", "apps/1/b/c"}
    assert await all_keys(store, "apps/1") == {"apps/1/a", "apps/1/b/c", "apps/12/x"}
    assert await all_keys(store, "apps/1/b") == {"apps/1/b/c"}
    assert await all_keys(store, "t") == {"top"}
    assert await all_keys(store, "nothing/") == set()


def write_big_file(path: Path, mebibytes: int) -> str:
    """Write `mebibytes` distinct 1 MiB blocks; return the SHA-256 hex of the whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with path.open("wb") as fh:
        for i in range(mebibytes):
            block = payload(1024 * 1024, seed=i)
            digest.update(block)
            fh.write(block)
    return digest.hexdigest()


async def test_large_file(store: BlobStore, src: Path) -> None:
    path = src / "big.bin"
    expected_digest = write_big_file(path, 20)
    await store.put_file(KEY, path, "application/octet-stream")
    assert await store.size(KEY) == 20 * 1024 * 1024
    streamed = hashlib.sha256()
    async for chunk in store.read_range(KEY):
        assert len(chunk) <= READ_CHUNK_SIZE
        streamed.update(chunk)
    assert streamed.hexdigest() == expected_digest
    boundary = 8 * 1024 * 1024  # an S3 multipart part boundary
    expected = payload(1024 * 1024, seed=7)[-10:] + payload(1024 * 1024, seed=8)[:10]
    assert await read_all(store, KEY, boundary - 10, boundary + 9) == expected


async def test_device_url(store: BlobStore, src: Path) -> None:
    data = payload(5000, seed=3)
    await store.put_file(KEY, source_file(src, data), "application/javascript")
    url = store.device_url(KEY, "https://ota.example.com/assets")
    if isinstance(store, LocalBlobStore):
        assert url == f"https://ota.example.com/assets/{KEY}"
        assert store.device_url(KEY, "https://ota.example.com/assets/") == url
        assert store.url_ttl_seconds is None
        return
    assert store.url_ttl_seconds == PRESIGN_TTL
    assert "X-Amz-Signature=" in url and f"X-Amz-Expires={PRESIGN_TTL}" in url
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "application/javascript"


async def test_s3_public_base_url(s3_server: str, s3_bucket: str) -> None:
    settings = s3_settings(s3_server, s3_bucket, s3_public_base_url="https://cdn.example.com/ota/")
    store = create_blob_store(settings)
    assert isinstance(store, S3BlobStore)
    assert store.url_ttl_seconds is None
    assert store.device_url(KEY, "https://ignored.example") == (
        f"https://cdn.example.com/ota/{S3_PREFIX}/{KEY}"
    )
    await store.close()


BAD_KEYS = [
    "",
    "/apps/1/x",
    "apps/../x",
    "..",
    "../x",
    "apps/./x",
    "apps//x",
    "apps/1/",
    "apps\\1\\x",
    "apps/1/x\x00",
    ".hidden",
    "apps/.x.tmp",
    "apps/with space",
    "apps/q?x=1",
    "apps/frag#x",
    "apps/%2e%2e",
    "apps/é",
    "x" * 1025,
    "apps/" + "s" * 201,
]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_invalid_keys_rejected(store: BlobStore, src: Path, key: str) -> None:
    path = source_file(src, b"data")
    calls = [
        store.put_file(key, path, "text/plain"),
        store.exists(key),
        store.size(key),
        store.delete(key),
        read_all(store, key),
    ]
    for call in calls:
        with pytest.raises(BadRequest) as info:
            await call
        assert (info.value.status, info.value.code) == (400, "invalid_blob_key")
    with pytest.raises(BadRequest):
        store.device_url(key, "https://ota.example.com/assets")
    assert await all_keys(store) == set()


@pytest.mark.parametrize("prefix", ["/apps", "../", "apps/../", "apps\\1", "apps//", "a b"])
async def test_invalid_list_prefix_rejected(store: BlobStore, prefix: str) -> None:
    with pytest.raises(BadRequest) as info:
        await all_keys(store, prefix)
    assert info.value.code == "invalid_blob_key"


async def test_missing_source_file_stores_nothing(store: BlobStore, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await store.put_file(KEY, tmp_path / "does-not-exist", "text/plain")
    assert not await store.exists(KEY)
    assert await all_keys(store) == set()
