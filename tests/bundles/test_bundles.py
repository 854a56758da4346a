"""Bundle upload: an archive and a manifest become files and a package in one step."""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

from fixtures.files import FilesKit, error_code, sha, tar_gz_bytes, zip_bytes
from fixtures.members import add_member
from fixtures.users import UserFactory

from tradewind.files.paths import blob_key

BUNDLE = {
    "index.android.bundle": b"__d(function(){});",
    "chunks/1.js": b"chunk one",
    "assets/img/logo.png": b"\x89PNG logo",
    "assets/img/bg.webp": b"RIFF webp",
    "assets/fonts/a.ttf": b"font",
    "config.json": b"{}",
}

MANIFEST_ONLY = b'--b\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n{}'


def kinds(body: dict[str, Any]) -> dict[str, str]:
    return {f["path"]: f["kind"] for f in body["files"]}


async def test_zip_with_defaults(kit: FilesKit) -> None:
    r = await kit.upload_bundle(zip_bytes(BUNDLE), {"index": "index.android.bundle"})
    assert r.status_code == 201, r.text[:500]
    body = r.json()
    assert body["version"] == 1
    assert body["index"] == "index.android.bundle"
    assert kinds(body) == {
        "index.android.bundle": "index",
        **{p: "important" for p in BUNDLE if p != "index.android.bundle"},
    }
    by_path = {f["path"]: f for f in body["files"]}
    assert by_path["assets/img/logo.png"]["content_type"] == "image/png"
    assert by_path["chunks/1.js"]["sha256"] == sha(b"chunk one")
    assert by_path["config.json"]["size"] == 2
    assert await kit.storage_keys() == {blob_key(kit.app_id, sha(d)) for d in BUNDLE.values()}
    counts = await kit.counts()
    assert (counts["files"], counts["blobs"], counts["packages"]) == (6, 6, 1)
    assert await kit.outbox_rows() == []
    assert kit.temp_leftovers() == []


async def test_tar_gz_with_globs_properties_and_notes(kit: FilesKit) -> None:
    archive = tar_gz_bytes({f"./{path}": data for path, data in BUNDLE.items()})
    manifest = {
        "index": "index.android.bundle",
        "lazy": ["assets/**", "*.json"],
        "properties": {"channel": "beta"},
        "notes": "from CI",
    }
    r = await kit.upload_bundle(archive, manifest, filename="b.tar.gz")
    assert r.status_code == 201, r.text[:500]
    body = r.json()
    assert kinds(body) == {
        "index.android.bundle": "index",
        "chunks/1.js": "important",
        "assets/fonts/a.ttf": "lazy",
        "assets/img/bg.webp": "lazy",
        "assets/img/logo.png": "lazy",
        "config.json": "lazy",
    }
    assert (body["properties"], body["notes"]) == ({"channel": "beta"}, "from CI")


async def test_important_globs_make_the_rest_lazy(kit: FilesKit) -> None:
    manifest = {"index": "index.android.bundle", "important": ["chunks/*.js", "assets/fonts/?.ttf"]}
    body = (await kit.upload_bundle(zip_bytes(BUNDLE), manifest)).json()
    assert [p for p, k in kinds(body).items() if k == "important"] == [
        "assets/fonts/a.ttf",
        "chunks/1.js",
    ]
    assert sum(k == "lazy" for k in kinds(body).values()) == 3


async def test_a_second_bundle_reuses_files_and_blobs(kit: FilesKit) -> None:
    first = await kit.upload_bundle(zip_bytes(BUNDLE), {"index": "index.android.bundle"})
    changed = {**BUNDLE, "chunks/1.js": b"chunk one, fixed"}
    second = await kit.upload_bundle(zip_bytes(changed), {"index": "index.android.bundle"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["version"] == 2
    counts = await kit.counts()
    assert (counts["files"], counts["blobs"], counts["packages"]) == (7, 7, 2)
    assert len(await kit.storage_keys()) == 7


async def test_directory_entries_are_ignored(kit: FilesKit) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name in [".", "./dist", "./dist/img"]:
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            tf.addfile(info)
        info = tarfile.TarInfo("./dist/index.js")
        info.size = 2
        tf.addfile(info, io.BytesIO(b"js"))
    r = await kit.upload_bundle(buffer.getvalue(), {"index": "dist/index.js"})
    assert r.status_code == 201, r.text[:500]
    assert kinds(r.json()) == {"dist/index.js": "index"}


async def test_roles(kit: FilesKit, users: UserFactory) -> None:
    reader = await users.create()
    await add_member(kit.client, kit.owner, "acme", reader, "read")
    r = await kit.upload_bundle(
        zip_bytes(BUNDLE), {"index": "index.android.bundle"}, as_user=reader
    )
    assert r.status_code == 403
    assert error_code(r) == "insufficient_role"
    await kit.assert_nothing_stored()


async def test_form_errors(kit: FilesKit) -> None:
    url, headers = f"{kit.base}/bundles", kit.owner.headers
    archive = zip_bytes(BUNDLE)
    manifest = json.dumps({"index": "index.android.bundle"})
    cases = [
        (await kit.client.post(url, json={"index": "x"}, headers=headers), "invalid_multipart"),
        (
            await kit.client.post(
                url, data={"manifest": manifest}, files={"other": ("x", b"")}, headers=headers
            ),
            "unexpected_form_field",
        ),
        (
            await kit.client.post(url, files={"archive": ("b.zip", archive)}, headers=headers),
            "manifest_required",
        ),
        (
            await kit.client.post(
                url, data={"manifest": manifest}, files={"x": ("a", b"")}, headers=headers
            ),
            "unexpected_form_field",
        ),
        (
            await kit.client.post(
                url,
                content=MANIFEST_ONLY,
                headers={**headers, "Content-Type": "multipart/form-data; boundary=b"},
            ),
            "invalid_multipart",
        ),
        (
            await kit.client.post(
                url,
                content=MANIFEST_ONLY + b"\r\n--b--\r\n",
                headers={**headers, "Content-Type": "multipart/form-data; boundary=b"},
            ),
            "archive_required",
        ),
    ]
    for response, code in cases:
        assert response.status_code == 400, response.text[:500]
        assert error_code(response) == code
    await kit.assert_nothing_stored()


async def test_reuse_identical_answers_the_package_already_made(kit: FilesKit) -> None:
    manifest = {"index": "index.android.bundle", "properties": {"a": 1}, "reuse_identical": True}
    first = await kit.upload_bundle(zip_bytes(BUNDLE), manifest)
    assert (first.status_code, first.json()["version"], first.json()["reused"]) == (201, 1, False)
    again = await kit.upload_bundle(zip_bytes(BUNDLE), manifest)
    assert (again.status_code, again.json()["version"], again.json()["reused"]) == (200, 1, True)
    changed = {**BUNDLE, "index.android.bundle": b"console.log('v2')"}
    other = await kit.upload_bundle(zip_bytes(changed), manifest)
    assert (other.status_code, other.json()["version"]) == (201, 2)
    # Without the flag, a new version every time.
    plain = await kit.upload_bundle(zip_bytes(BUNDLE), {"index": "index.android.bundle"})
    assert (plain.status_code, plain.json()["version"]) == (201, 3)
    strict = await kit.upload_bundle(zip_bytes(BUNDLE), {**manifest, "reuse_identical": "yes"})
    assert (strict.status_code, strict.json()["error"]["code"]) == (400, "invalid_manifest")
