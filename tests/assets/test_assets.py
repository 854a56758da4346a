"""`/assets/{key}` in local-storage mode: caching headers, conditional and range requests."""

from __future__ import annotations

from typing import Any

import pytest
from fixtures.files import FilesKit, error_code, s3_settings, sha

from tradewind.app import create_app
from tradewind.assets.handler import PREFIX, AssetHandler, asset_base_url
from tradewind.files.paths import blob_key
from tradewind.settings import Settings
from tradewind.storage import LocalBlobStore

DATA = bytes(range(256)) * 40  # 10240 bytes


@pytest.fixture
async def url(kit: FilesKit) -> str:
    await kit.uploaded("img/logo.png", DATA)
    base = asset_base_url(kit.app.ctx.settings)
    absolute = kit.store.device_url(blob_key(kit.app_id, sha(DATA)), base)
    assert absolute == f"http://testserver/assets/apps/{kit.app_id}/sha256/{sha(DATA)}"
    return absolute.removeprefix("http://testserver")


async def test_get(kit: FilesKit, url: str) -> None:
    r = await kit.client.get(url)
    assert r.status_code == 200
    assert r.content == DATA
    assert r.headers["content-type"] == "image/png"
    assert r.headers["content-length"] == str(len(DATA))
    assert r.headers["etag"] == f'"{sha(DATA)}"'
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["accept-ranges"] == "bytes"


async def test_head(kit: FilesKit, url: str) -> None:
    r = await kit.client.head(url)
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["content-length"] == str(len(DATA))
    assert r.headers["etag"] == f'"{sha(DATA)}"'


@pytest.mark.parametrize(
    "if_none_match",
    [f'"{"SHA"}"', f'"x", "{"SHA"}"', f'W/"{"SHA"}"', "*"],
)
async def test_not_modified(kit: FilesKit, url: str, if_none_match: str) -> None:
    header = if_none_match.replace("SHA", sha(DATA))
    r = await kit.client.get(url, headers={"If-None-Match": header})
    assert r.status_code == 304
    assert r.content == b""
    assert r.headers["etag"] == f'"{sha(DATA)}"'
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_other_etag_is_modified(kit: FilesKit, url: str) -> None:
    r = await kit.client.get(url, headers={"If-None-Match": f'"{sha(b"other")}"'})
    assert r.status_code == 200
    assert r.content == DATA


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=10-10", 10, 10),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-100", 10140, 10239),
        ("bytes=-99999", 0, 10239),
        ("bytes=10200-99999", 10200, 10239),
    ],
)
async def test_ranges(kit: FilesKit, url: str, header: str, start: int, end: int) -> None:
    r = await kit.client.get(url, headers={"Range": header})
    assert r.status_code == 206
    assert r.content == DATA[start : end + 1]
    assert r.headers["content-range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert r.headers["content-length"] == str(end - start + 1)
    assert r.headers["etag"] == f'"{sha(DATA)}"'


@pytest.mark.parametrize(
    "header", ["bytes=10240-", "bytes=5-2", "bytes=-0", "bytes=abc", "bytes=", "items=0-1", "0-1"]
)
async def test_unsatisfiable_ranges(kit: FilesKit, url: str, header: str) -> None:
    r = await kit.client.get(url, headers={"Range": header})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{len(DATA)}"
    assert error_code(r) == "range_not_satisfiable"


async def test_several_ranges_get_the_whole_blob(kit: FilesKit, url: str) -> None:
    r = await kit.client.get(url, headers={"Range": "bytes=0-1,5-6"})
    assert r.status_code == 200
    assert r.content == DATA


async def test_if_range(kit: FilesKit, url: str) -> None:
    same = await kit.client.get(url, headers={"Range": "bytes=0-0", "If-Range": f'"{sha(DATA)}"'})
    assert same.status_code == 206
    other = await kit.client.get(url, headers={"Range": "bytes=0-0", "If-Range": '"other"'})
    assert other.status_code == 200
    assert other.content == DATA


async def test_empty_blob(kit: FilesKit) -> None:
    await kit.uploaded("empty.json", b"")
    url = f"{PREFIX}{blob_key(kit.app_id, sha(b''))}"
    r = await kit.client.get(url)
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["content-length"] == "0"
    assert r.headers["content-type"] == "application/json"
    assert (await kit.client.get(url, headers={"Range": "bytes=0-"})).status_code == 416


async def test_type_is_the_first_upload_s(kit: FilesKit) -> None:
    await kit.uploaded("a.json", b"{}")
    await kit.uploaded("a.txt", b"{}")
    r = await kit.client.get(f"{PREFIX}{blob_key(kit.app_id, sha(b'{}'))}")
    assert r.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "path",
    [
        f"/assets/apps/1/sha256/{sha(b'never uploaded')}",
        "/assets/apps/1/sha256/ABC",
        "/assets/apps/1/sha256/" + "A" * 64,
        "/assets/%2E%2E/tradewind.db",
        "/assets/apps/1/sha256/%2E%2E/%2E%2E/%2E%2E/tradewind.db",
        "/assets/apps/1/other",
        "/assets/",
    ],
)
async def test_not_found(kit: FilesKit, url: str, path: str) -> None:
    r = await kit.client.get(path)
    assert r.status_code == 404
    assert error_code(r) == "asset_not_found"


async def test_bytes_without_a_committed_row_are_not_served(kit: FilesKit, tmp_path: Any) -> None:
    """An upload whose transaction has not committed (or failed) is not visible yet."""
    data = b"uncommitted"
    source = tmp_path / "x"
    source.write_bytes(data)
    key = blob_key(kit.app_id, sha(data))
    await kit.store.put_file(key, source, "text/plain")
    r = await kit.client.get(f"{PREFIX}{key}")
    assert r.status_code == 404


async def test_deleted_blob_is_gone(kit: FilesKit, url: str) -> None:
    assert (await kit.client.get(url)).status_code == 200  # the content type is now cached
    r = await kit.client.delete(f"{kit.base}/files/img/logo.png", headers=kit.owner.headers)
    assert r.status_code == 204
    await kit.drain()
    assert (await kit.client.get(url)).status_code == 404


async def test_only_get_and_head(kit: FilesKit, url: str) -> None:
    r = await kit.client.post(url, content=b"x")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"
    assert error_code(r) == "method_not_allowed"


async def test_servers_with_pathsend_stream_the_file_themselves(kit: FilesKit, url: str) -> None:
    handler = AssetHandler(kit.store, kit.app.ctx.db)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": url,
        "headers": [],
        "extensions": {"http.response.pathsend": {}},
    }
    await handler(scope, receive, send)
    assert sent[0]["status"] == 200
    assert isinstance(kit.store, LocalBlobStore)
    expected = kit.store.local_path(blob_key(kit.app_id, sha(DATA)))
    assert sent[1] == {"type": "http.response.pathsend", "path": str(expected)}


def test_no_asset_route_with_s3(settings: Settings) -> None:
    """With S3, devices download from the bucket or CDN; the server does not serve blobs."""
    s3 = s3_settings(settings, "http://127.0.0.1:9", "bucket")
    app = create_app(s3)
    assert PREFIX not in [prefix for prefix, _ in app.fast_routes]
    key = blob_key(1, sha(b"x"))
    assert app.ctx.blob_store.device_url(key, asset_base_url(s3)).startswith(
        f"http://127.0.0.1:9/bucket/tw/{key}?"
    )
