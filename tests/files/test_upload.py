"""Uploading files: streaming, content addressing, checksums, metadata and content types."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from fixtures.database import counted_statements
from fixtures.files import FilesKit, error_code, sha

from tradewind.files.paths import blob_key


async def test_upload_creates_file_and_blob(kit: FilesKit) -> None:
    data = b"console.log('hello');"
    r = await kit.upload("index.android.bundle", data)
    assert r.status_code == 201, r.text[:500]
    body = r.json()
    assert body["path"] == "index.android.bundle"
    assert body["sha256"] == sha(data)
    assert body["size"] == len(data)
    assert body["content_type"] == "application/javascript"
    assert body["uploaded_by"] == kit.owner.email
    assert body["created_at"]
    assert await kit.storage_keys() == {blob_key(kit.app_id, sha(data))}
    stored = b"".join([c async for c in kit.store.read_range(blob_key(kit.app_id, sha(data)))])
    assert stored == data
    assert kit.temp_leftovers() == []


# What an upload reads and writes; the background loops (snapshot watcher, webhooks, metrics)
# may run statements of their own meanwhile, on other tables.
_UPLOAD_TABLES = {
    "sessions",
    "users",
    "organisations",
    "org_members",
    "app_members",
    "blobs",
    "cleanup_outbox",
    "files",
}


def _first_table(statement: str) -> str | None:
    found = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", statement)
    return found.group(1) if found else None


async def test_an_upload_costs_one_query_to_authenticate_two_to_authorise_and_five_to_store(
    kit: FilesKit,
) -> None:
    with counted_statements(kit.app.ctx.db) as statements:
        await kit.uploaded("budget.bin", b"statement budget")
    tables = [_first_table(s) for s in statements if _first_table(s) in _UPLOAD_TABLES]
    assert tables == [
        "sessions",  # the bearer session, joined with its user
        "organisations",  # the organisation, joined with the application
        "org_members",  # the caller's roles on both, as two scalar subqueries
        "blobs",  # is this content stored already?
        "cleanup_outbox",  # the new key, committed before the blob is written
        "blobs",  # the blob row (RETURNING: no read-back)
        "cleanup_outbox",  # settled in the same transaction
        "files",  # the file row
    ]


async def test_same_bytes_are_stored_once(kit: FilesKit) -> None:
    data = b"\x89PNG same bytes"
    first = await kit.upload("img/a.png", data)
    again = await kit.upload("img/a.png", data)
    other_path = await kit.upload("img/b.png", data)
    assert (first.status_code, again.status_code, other_path.status_code) == (201, 200, 201)
    assert again.json() == first.json()
    counts = await kit.counts()
    assert counts["blobs"] == 1
    assert counts["files"] == 2
    assert await kit.storage_keys() == {blob_key(kit.app_id, sha(data))}


async def test_a_path_keeps_every_content_and_shows_the_newest(kit: FilesKit) -> None:
    old, new = b"v1", b"v2"
    await kit.uploaded("config.json", old)
    await kit.uploaded("config.json", new)
    newest = await kit.client.get(f"{kit.base}/files/config.json", headers=kit.owner.headers)
    assert newest.status_code == 200
    assert newest.json()["sha256"] == sha(new)
    pinned = await kit.client.get(
        f"{kit.base}/files/config.json",
        params={"sha256": sha(old).upper()},
        headers=kit.owner.headers,
    )
    assert pinned.json()["sha256"] == sha(old)
    listed = await kit.client.get(
        f"{kit.base}/files", params={"path": "config.json"}, headers=kit.owner.headers
    )
    assert [f["sha256"] for f in listed.json()] == [sha(new), sha(old)]


async def test_streamed_body_without_length(kit: FilesKit) -> None:
    parts = [b"a" * 1000, b"b" * 1000, b"c" * 500]

    async def body() -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    data = b"".join(parts)
    headers = {**kit.owner.headers, "X-Checksum-Sha256": sha(data)}
    r = await kit.client.put(f"{kit.base}/files/chunks.bin", content=body(), headers=headers)
    assert r.status_code == 201, r.text[:500]
    assert r.json()["size"] == len(data)


async def test_empty_file(kit: FilesKit) -> None:
    r = await kit.upload("empty.txt", b"")
    assert r.status_code == 201, r.text[:500]
    assert r.json()["size"] == 0
    assert r.json()["sha256"] == sha(b"")


async def test_unicode_paths_are_stored_in_nfc(kit: FilesKit) -> None:
    decomposed = "img/cafe\u0301.png"
    r = await kit.upload(decomposed, b"x")
    assert r.status_code == 201, r.text[:500]
    assert r.json()["path"] == "img/caf\u00e9.png"


async def test_content_type_given_generic_or_guessed(kit: FilesKit) -> None:
    given = await kit.uploaded("data.bin", b"1", content_type="application/x-custom; v=1")
    assert given["content_type"] == "application/x-custom; v=1"
    generic = await kit.uploaded("logo.png", b"2", content_type="application/octet-stream")
    assert generic["content_type"] == "image/png"
    curl_default = await kit.uploaded(
        "fonts/a.woff2", b"3", content_type="application/x-www-form-urlencoded"
    )
    assert curl_default["content_type"] == "font/woff2"
    unknown = await kit.uploaded("blob.unknownext", b"4")
    assert unknown["content_type"] == "application/octet-stream"
    for path, expected in [
        ("main.jsbundle", "application/javascript"),
        ("chunk.js", "text/javascript"),
        ("a.json", "application/json"),
        ("pic.webp", "image/webp"),
    ]:
        assert (await kit.uploaded(path, path.encode()))["content_type"] == expected


async def test_invalid_content_type(kit: FilesKit) -> None:
    for bad in ["not a type", "text/", "/plain", "x" * 300]:
        r = await kit.upload("a.txt", b"data", content_type=bad)
        assert r.status_code == 400, bad
        assert error_code(r) == "invalid_content_type"
    await kit.assert_nothing_stored()


async def test_checksum_required(kit: FilesKit) -> None:
    r = await kit.upload("a.txt", b"data", checksum="")
    assert r.status_code == 400
    assert error_code(r) == "checksum_required"
    await kit.assert_nothing_stored()


async def test_malformed_checksum(kit: FilesKit) -> None:
    for bad in ["abc", "g" * 64, sha(b"x") + "0", "sha256:" + sha(b"x")]:
        r = await kit.upload("a.txt", b"data", checksum=bad)
        assert r.status_code == 400, bad
        assert error_code(r) == "invalid_checksum"
    await kit.assert_nothing_stored()


async def test_checksum_mismatch_keeps_nothing(kit: FilesKit) -> None:
    r = await kit.upload("a.txt", b"the real body", checksum=sha(b"something else"))
    assert r.status_code == 400
    assert error_code(r) == "checksum_mismatch"
    assert r.json()["error"]["details"] == {
        "expected": sha(b"something else"),
        "actual": sha(b"the real body"),
    }
    await kit.assert_nothing_stored()
    assert await kit.outbox_rows() == []


async def test_too_large_by_content_length(kit: FilesKit) -> None:
    data = b"x" * 5000  # the test limit is 4096
    r = await kit.upload("big.bin", data)
    assert r.status_code == 413
    assert error_code(r) == "file_too_large"
    assert r.json()["error"]["details"] == {"max_size": 4096}
    await kit.assert_nothing_stored()


async def test_too_large_while_streaming_stops_reading(kit: FilesKit) -> None:
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for i in range(1000):
            sent.append(i)
            yield b"y" * 1024

    headers = {**kit.owner.headers, "X-Checksum-Sha256": sha(b"")}
    r = await kit.client.put(f"{kit.base}/files/big.bin", content=endless(), headers=headers)
    assert r.status_code == 413
    assert error_code(r) == "file_too_large"
    assert len(sent) < 10  # the server stopped asking for more right after the limit
    await kit.assert_nothing_stored()


async def test_exactly_the_limit_is_accepted(kit: FilesKit) -> None:
    r = await kit.upload("limit.bin", b"z" * 4096)
    assert r.status_code == 201, r.text[:500]


async def test_invalid_content_length(kit: FilesKit) -> None:
    r = await kit.upload("a.bin", b"abc", headers={"Content-Length": "-3"})
    assert r.status_code == 400
    assert error_code(r) == "invalid_content_length"
    await kit.assert_nothing_stored()
