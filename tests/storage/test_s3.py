"""What only the S3 backend has: object metadata, multipart, prefixes, failure mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.s3server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, s3_test_client
from pydantic import SecretStr
from storage.helpers import all_keys, payload, read_all, source_file

from tradewind.errors import ConfigurationError, ServiceUnavailable
from tradewind.settings import Settings
from tradewind.storage import create_blob_store
from tradewind.storage.s3 import MULTIPART_CHUNK_SIZE, S3BlobStore, make_s3_client

pytestmark = pytest.mark.once  # no database: one run is enough

KEY = "apps/3/sha256/feed"


def settings_for(endpoint: str, bucket: str, prefix: str = "") -> Settings:
    return Settings(
        _env_file=None,
        storage_backend="s3",
        s3_bucket=bucket,
        s3_prefix=prefix,
        s3_region=REGION,
        s3_endpoint_url=endpoint,
        s3_access_key_id=ACCESS_KEY_ID,
        s3_secret_access_key=SecretStr(SECRET_ACCESS_KEY),
    )


def store_for(endpoint: str, bucket: str, prefix: str = "") -> S3BlobStore:
    store = create_blob_store(settings_for(endpoint, bucket, prefix))
    assert isinstance(store, S3BlobStore)
    return store


async def test_objects_carry_prefix_and_content_type(
    s3_server: str, s3_bucket: str, tmp_path: Path
) -> None:
    store = store_for(s3_server, s3_bucket, prefix="/tenant-a/tw/")
    await store.put_file(KEY, source_file(tmp_path, b"console.log(1)"), "application/javascript")
    raw = s3_test_client(s3_server)
    head = raw.head_object(Bucket=s3_bucket, Key=f"tenant-a/tw/{KEY}")
    assert head["ContentType"] == "application/javascript"
    assert head["ContentLength"] == 14
    listed = raw.list_objects_v2(Bucket=s3_bucket)
    assert [item["Key"] for item in listed.get("Contents", [])] == [f"tenant-a/tw/{KEY}"]


async def test_prefixes_isolate_stores_in_one_bucket(
    s3_server: str, s3_bucket: str, tmp_path: Path
) -> None:
    first = store_for(s3_server, s3_bucket, prefix="one")
    second = store_for(s3_server, s3_bucket, prefix="one-more")
    await first.put_file(KEY, source_file(tmp_path, b"1"), "text/plain")
    await second.put_file("apps/9/x", source_file(tmp_path, b"2"), "text/plain")
    s3_test_client(s3_server).put_object(Bucket=s3_bucket, Key="one/apps/", Body=b"")
    assert await all_keys(first) == {KEY}
    assert await all_keys(second) == {"apps/9/x"}
    assert not await second.exists(KEY)


async def test_big_files_go_multipart(s3_server: str, s3_bucket: str, tmp_path: Path) -> None:
    store = store_for(s3_server, s3_bucket)
    data = payload(2 * MULTIPART_CHUNK_SIZE + 1234)
    await store.put_file(KEY, source_file(tmp_path, data), "application/octet-stream")
    head = s3_test_client(s3_server).head_object(Bucket=s3_bucket, Key=KEY)
    assert head["ETag"].strip('"').endswith("-3")  # S3 marks multipart ETags with the part count
    assert (
        await read_all(store, KEY, MULTIPART_CHUNK_SIZE - 5, MULTIPART_CHUNK_SIZE + 4)
        == (data[MULTIPART_CHUNK_SIZE - 5 : MULTIPART_CHUNK_SIZE + 5])
    )


async def test_missing_bucket_is_unavailable_not_404(s3_server: str, tmp_path: Path) -> None:
    store = store_for(s3_server, "tw-no-such-bucket")
    with pytest.raises(ServiceUnavailable) as info:
        await store.put_file(KEY, source_file(tmp_path, b"x"), "text/plain")
    assert (info.value.status, info.value.code) == (503, "blob_store_unavailable")
    assert info.value.details == {"reason": "NoSuchBucket"}
    assert "tw-no-such-bucket" not in info.value.message
    with pytest.raises(ServiceUnavailable):
        await read_all(store, KEY)
    with pytest.raises(ServiceUnavailable):
        await all_keys(store)


async def test_unreachable_endpoint_is_unavailable(s3_bucket: str, tmp_path: Path) -> None:
    store = store_for("http://127.0.0.1:1", s3_bucket)
    with pytest.raises(ServiceUnavailable) as info:
        await store.exists(KEY)
    assert info.value.code == "blob_store_unavailable"


@pytest.mark.parametrize(
    ("key_id", "secret"), [("only-the-id", None), (None, SecretStr("only-the-secret"))]
)
def test_half_credentials_rejected(key_id: str | None, secret: SecretStr | None) -> None:
    settings = Settings(
        _env_file=None,
        storage_backend="s3",
        s3_bucket="b",
        s3_access_key_id=key_id,
        s3_secret_access_key=secret,
    )
    with pytest.raises(ConfigurationError):
        make_s3_client(settings)


def test_prefix_must_be_a_safe_key() -> None:
    with pytest.raises(ConfigurationError, match="TRADEWIND_S3_PREFIX"):
        store_for("http://127.0.0.1:1", "b", prefix="../escape")
