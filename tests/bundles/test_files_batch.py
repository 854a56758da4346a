"""Many files in one request (`POST …/files/batch`): the archive's entries stored at their own
paths, all or nothing, with no package (bad archives: test_bad_archives.py)."""

from __future__ import annotations

import io
import zipfile

from fixtures.files import FilesKit, error_code, sha, tar_gz_bytes, zip_bytes
from fixtures.members import add_member
from fixtures.users import UserFactory

FILES = {
    "index.android.bundle": b"__d(function(){});",
    "assets/img/logo.png": b"\x89PNG logo",
    "i18n/ü.json": '{"hello": "grüß"}'.encode(),
}


async def test_every_entry_is_stored_at_its_path(kit: FilesKit) -> None:
    r = await kit.upload_files(zip_bytes(FILES, compression=zipfile.ZIP_STORED))
    assert r.status_code == 201, r.text
    stored = r.json()["files"]
    assert [(f["path"], f["sha256"], f["size"], f["created"]) for f in stored] == [
        (path, sha(data), len(data), True) for path, data in FILES.items()
    ]
    assert stored[0]["content_type"] == "application/javascript"
    for path, data in FILES.items():
        got = await kit.client.get(f"{kit.base}/files/{path}", headers=kit.owner.headers)
        assert (got.status_code, got.json()["sha256"]) == (200, sha(data))
    # The stored files make a package like uploaded ones.
    r = await kit.create_package(
        index={"path": "index.android.bundle", "sha256": sha(FILES["index.android.bundle"])},
        lazy=[{"path": "assets/img/logo.png", "sha256": sha(FILES["assets/img/logo.png"])}],
    )
    assert r.status_code == 201, r.text
    assert (await kit.counts())["packages"] == 1


async def test_a_second_batch_reports_what_existed(kit: FilesKit) -> None:
    first = dict(list(FILES.items())[:2])
    assert (await kit.upload_files(zip_bytes(first))).status_code == 201
    r = await kit.upload_files(tar_gz_bytes(FILES), **{"Content-Type": "application/gzip"})
    assert r.status_code == 201, r.text
    assert {f["path"]: f["created"] for f in r.json()["files"]} == {
        "index.android.bundle": False,
        "assets/img/logo.png": False,
        "i18n/ü.json": True,
    }
    counts = await kit.counts()
    assert (counts["files"], counts["blobs"], counts["packages"]) == (3, 3, 0)


async def test_an_archive_without_files_is_refused(kit: FilesKit) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("empty/", b"")  # a directory entry only
    r = await kit.upload_files(buffer.getvalue())
    assert (r.status_code, error_code(r)) == (400, "empty_package")
    await kit.assert_nothing_stored()


async def test_declared_length_over_the_limit_is_refused_before_reading(kit: FilesKit) -> None:
    limit = kit.app.ctx.settings.max_archive_total_size
    r = await kit.upload_files(b"PK\x03\x04", **{"Content-Length": str(limit + 1)})
    assert (r.status_code, error_code(r)) == (413, "archive_too_large")
    await kit.assert_nothing_stored()


async def test_a_reader_cannot_upload(kit: FilesKit, users: UserFactory) -> None:
    reader = await users.create()
    await add_member(kit.client, kit.owner, "acme", reader, "read")
    r = await kit.upload_files(zip_bytes(FILES), as_user=reader)
    assert (r.status_code, error_code(r)) == (403, "insufficient_role")
    await kit.assert_nothing_stored()


async def test_an_invalid_content_length_is_refused(kit: FilesKit) -> None:
    r = await kit.upload_files(zip_bytes(FILES), **{"Content-Length": "-3"})
    assert (r.status_code, error_code(r)) == (400, "invalid_content_length")
    await kit.assert_nothing_stored()
