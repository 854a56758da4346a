"""Listing, showing, HEAD, the batch existence check, deletion and roles."""

from __future__ import annotations

from fixtures.files import FilesKit, error_code, sha
from fixtures.members import add_member
from fixtures.users import UserFactory

from tradewind.files.paths import blob_key


async def test_list_filters_and_pagination(kit: FilesKit) -> None:
    for path in ["img/a.png", "img/b.png", "img_other.png", "index.bundle", "img%/x.png"]:
        await kit.uploaded(path, path.encode())
    await kit.uploaded("img/a.png", b"second content")

    async def paths(**params: str | int) -> list[str]:
        r = await kit.client.get(f"{kit.base}/files", params=params, headers=kit.owner.headers)
        assert r.status_code == 200, r.text[:500]
        return [f["path"] for f in r.json()]

    assert await paths(path_prefix="img/") == ["img/a.png", "img/a.png", "img/b.png"]
    assert await paths(path_prefix="img%") == ["img%/x.png"]  # LIKE wildcards are literal
    assert await paths(path_prefix="img_") == ["img_other.png"]
    assert await paths(sha256=sha(b"index.bundle")) == ["index.bundle"]
    assert await paths(limit=2) == ["img%/x.png", "img/a.png"]
    assert await paths(limit=2, offset=2) == ["img/a.png", "img/b.png"]
    bad = await kit.client.get(
        f"{kit.base}/files", params={"sha256": "nope"}, headers=kit.owner.headers
    )
    assert bad.status_code == 400
    assert error_code(bad) == "invalid_checksum"
    too_many = await kit.client.get(
        f"{kit.base}/files", params={"limit": 5000}, headers=kit.owner.headers
    )
    assert too_many.status_code == 422


async def test_show_and_head(kit: FilesKit) -> None:
    data = b"{}"
    await kit.uploaded("conf/app.json", data)
    url = f"{kit.base}/files/conf/app.json"
    shown = await kit.client.get(url, headers=kit.owner.headers)
    assert shown.status_code == 200
    assert shown.json()["content_type"] == "application/json"
    head = await kit.client.head(url, params={"sha256": sha(data)}, headers=kit.owner.headers)
    assert head.status_code == 200
    assert head.headers["x-checksum-sha256"] == sha(data)
    assert head.headers["x-file-size"] == "2"
    missing = await kit.client.head(url, params={"sha256": sha(b"x")}, headers=kit.owner.headers)
    assert missing.status_code == 404
    gone = await kit.client.get(f"{kit.base}/files/nope.txt", headers=kit.owner.headers)
    assert gone.status_code == 404
    assert error_code(gone) == "file_not_found"


async def test_check_reports_what_to_upload(kit: FilesKit) -> None:
    await kit.uploaded("a.js", b"a")
    await kit.uploaded("b.js", b"b")
    r = await kit.client.post(
        f"{kit.base}/files/check",
        json={
            "files": [
                {"path": "a.js", "sha256": sha(b"a")},  # present
                {"path": "b.js", "sha256": sha(b"changed").upper()},  # new content
                {"path": "c.js", "sha256": sha(b"a")},  # known bytes, new path
                {"path": "c.js", "sha256": sha(b"a")},  # duplicates are reported once
            ]
        },
        headers=kit.owner.headers,
    )
    assert r.status_code == 200, r.text[:500]
    settings = kit.app.ctx.settings
    assert r.json() == {
        "missing": [
            {"path": "b.js", "sha256": sha(b"changed")},
            {"path": "c.js", "sha256": sha(b"a")},
        ],
        # What `POST …/files/batch` accepts: the archive limits of bundle uploads.
        "batch": {
            "max_bytes": settings.max_archive_total_size,
            "max_files": settings.max_archive_entries,
            "max_file_size": settings.max_file_size,
        },
    }
    bad = await kit.client.post(
        f"{kit.base}/files/check",
        json={"files": [{"path": "a.js", "sha256": "xyz"}]},
        headers=kit.owner.headers,
    )
    assert bad.status_code == 422


async def test_delete_one_content_or_all(kit: FilesKit) -> None:
    await kit.uploaded("a.txt", b"one")
    await kit.uploaded("a.txt", b"two")
    await kit.uploaded("copy.txt", b"two")  # shares the blob of the second content
    url = f"{kit.base}/files/a.txt"
    r = await kit.client.delete(url, params={"sha256": sha(b"one")}, headers=kit.owner.headers)
    assert r.status_code == 204
    assert (await kit.counts())["blobs"] == 1
    assert [(r.storage_key, r.reason) for r in await kit.outbox_rows()] == [
        (blob_key(kit.app_id, sha(b"one")), "file_deleted")
    ]
    r = await kit.client.delete(url, headers=kit.owner.headers)
    assert r.status_code == 204
    counts = await kit.counts()
    assert counts["files"] == 1 and counts["blobs"] == 1  # copy.txt still uses "two"
    await kit.drain()
    assert await kit.storage_keys() == {blob_key(kit.app_id, sha(b"two"))}
    again = await kit.client.delete(url, headers=kit.owner.headers)
    assert again.status_code == 404
    assert error_code(again) == "file_not_found"


async def test_files_in_a_package_cannot_be_deleted(kit: FilesKit) -> None:
    await kit.uploaded("index.bundle", b"i")
    r = await kit.create_package(index="index.bundle")
    assert r.status_code == 201, r.text[:500]
    refused = await kit.client.delete(f"{kit.base}/files/index.bundle", headers=kit.owner.headers)
    assert refused.status_code == 409
    assert error_code(refused) == "file_in_use"
    assert (await kit.counts())["files"] == 1
    assert await kit.outbox_rows() == []


async def test_roles(kit: FilesKit, users: UserFactory) -> None:
    reader, writer, outsider = await users.create(), await users.create(), await users.create()
    await add_member(kit.client, kit.owner, "acme", reader, "read", app="shop")
    await add_member(kit.client, kit.owner, "acme", writer, "write")
    await kit.uploaded("a.txt", b"a")

    denied = await kit.upload("b.txt", b"b", as_user=reader)
    assert denied.status_code == 403
    assert error_code(denied) == "insufficient_role"
    delete = await kit.client.delete(f"{kit.base}/files/a.txt", headers=reader.headers)
    assert delete.status_code == 403
    assert (await kit.client.get(f"{kit.base}/files", headers=reader.headers)).status_code == 200
    shown = await kit.client.get(f"{kit.base}/files/a.txt", headers=reader.headers)
    assert shown.status_code == 200
    check = await kit.client.post(
        f"{kit.base}/files/check", json={"files": []}, headers=reader.headers
    )
    assert check.status_code == 200

    assert (await kit.upload("b.txt", b"b", as_user=writer)).status_code == 201

    hidden = await kit.upload("c.txt", b"c", as_user=outsider)
    assert hidden.status_code == 404
    assert (await kit.client.get(f"{kit.base}/files", headers=outsider.headers)).status_code == 404
    unauthenticated = await kit.client.get(f"{kit.base}/files")
    assert unauthenticated.status_code == 401
    counts = await kit.counts()
    assert counts["files"] == 2
    assert len(await kit.storage_keys()) == 2
