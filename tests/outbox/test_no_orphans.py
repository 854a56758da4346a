"""No orphans: blobs written for failed transactions, or left unreferenced by deletions,
are removed by the cleanup drain (both blob stores, SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from fixtures.files import FilesKit, sha, zip_bytes

from tradewind.files import repository as files_repo
from tradewind.files.paths import blob_key
from tradewind.outbox import service as outbox
from tradewind.packages import repository as packages_repo


class Injected(RuntimeError):
    """The failure a test injects between the blob write and the commit."""


def fail(*_: Any, **__: Any) -> NoReturn:
    raise Injected("injected failure")


async def assert_orphan_then_cleaned(kit: FilesKit, keys: set[str]) -> None:
    """The blobs are in storage with nothing referencing them, until the grace has passed."""
    counts = await kit.counts()
    assert counts["blobs"] == counts["files"] == counts["packages"] == 0, counts
    assert await kit.storage_keys() == keys
    assert {row.reason for row in await kit.outbox_rows()} == {"upload"}
    early = await kit.drain()  # within the grace period the upload might still commit
    assert early.processed == 0
    assert await kit.storage_keys() == keys
    result = await kit.drain(kit.past_grace())
    assert result.deleted == len(keys)
    assert await kit.storage_keys() == set()
    assert await kit.outbox_rows() == []
    assert kit.temp_leftovers() == []


async def test_failure_inserting_the_blob_row(
    kit: FilesKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files_repo, "insert_blobs", fail)
    with pytest.raises(Injected):
        await kit.upload("index.bundle", b"bytes that will be orphaned")
    await assert_orphan_then_cleaned(
        kit, {blob_key(kit.app_id, sha(b"bytes that will be orphaned"))}
    )


async def test_failure_after_the_rows_before_commit(
    kit: FilesKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The blob row and the settled outbox row roll back together.
    monkeypatch.setattr(files_repo, "insert_files", fail)
    with pytest.raises(Injected):
        await kit.upload("a.txt", b"abc")
    await assert_orphan_then_cleaned(kit, {blob_key(kit.app_id, sha(b"abc"))})


async def test_failed_bundle_leaves_no_blob(kit: FilesKit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packages_repo, "insert_members", fail)
    entries = {f"f{i}.js": f"file {i}".encode() for i in range(5)}
    with pytest.raises(Injected):
        await kit.upload_bundle(zip_bytes(entries), {"index": "f0.js"})
    await assert_orphan_then_cleaned(
        kit, {blob_key(kit.app_id, sha(data)) for data in entries.values()}
    )


async def test_successful_upload_leaves_no_outbox_row(kit: FilesKit) -> None:
    await kit.uploaded("a.txt", b"kept")
    assert await kit.outbox_rows() == []
    await kit.drain(kit.past_grace())
    assert await kit.storage_keys() == {blob_key(kit.app_id, sha(b"kept"))}


async def test_deleting_the_app_removes_its_blobs(kit: FilesKit) -> None:
    for i in range(3):
        await kit.uploaded(f"f{i}.txt", f"{i}".encode())
    r = await kit.create_package(index="f0.txt", important=["f1.txt"], lazy=["f2.txt"])
    assert r.status_code == 201, r.text[:500]
    await kit.uploaded("config.json", b"{}")
    await kit.add_release(1, resources=("config.json",))
    # Every in-app reference (release -> package -> files -> blobs) cascades away at once.
    r = await kit.client.delete(kit.base, headers=kit.owner.headers)
    assert r.status_code == 204, r.text[:500]
    assert {row.reason for row in await kit.outbox_rows()} == {"app_deleted"}
    assert len(await kit.storage_keys()) == 4
    result = await kit.drain()
    assert result.deleted == 4
    assert await kit.storage_keys() == set()
    assert await kit.outbox_rows() == []


async def test_deleting_the_org_removes_the_blobs_of_every_app(kit: FilesKit) -> None:
    await kit.uploaded("a.txt", b"a")
    r = await kit.client.post(
        "/api/v1/orgs/acme/apps", json={"name": "other"}, headers=kit.owner.headers
    )
    assert r.status_code == 201
    other = "/api/v1/orgs/acme/apps/other/files/b.txt"
    headers = {**kit.owner.headers, "X-Checksum-Sha256": sha(b"b")}
    assert (await kit.client.put(other, content=b"b", headers=headers)).status_code == 201
    assert len(await kit.storage_keys()) == 2
    assert (
        await kit.client.delete("/api/v1/orgs/acme", headers=kit.owner.headers)
    ).status_code == 204
    await kit.drain()
    assert await kit.storage_keys() == set()


async def test_deleting_a_package_prunes_only_its_own_files(kit: FilesKit) -> None:
    await kit.uploaded("index.js", b"v1")
    await kit.uploaded("shared.png", b"png")
    assert (await kit.create_package(index="index.js", important=["shared.png"])).status_code == 201
    await kit.uploaded("index.js", b"v2")
    assert (await kit.create_package(index="index.js", important=["shared.png"])).status_code == 201
    r = await kit.client.delete(f"{kit.base}/packages/1", headers=kit.owner.headers)
    assert r.status_code == 204, r.text[:500]
    await kit.drain()
    assert await kit.storage_keys() == {
        blob_key(kit.app_id, sha(b"v2")),
        blob_key(kit.app_id, sha(b"png")),
    }
    assert (await kit.counts())["files"] == 2


async def test_a_pending_upload_protects_its_key(kit: FilesKit) -> None:
    """A deletion's cleanup must not remove bytes an in-flight upload has just written."""
    data = b"re-uploaded"
    await kit.uploaded("a.txt", data)
    key = blob_key(kit.app_id, sha(data))
    assert (
        await kit.client.delete(f"{kit.base}/files/a.txt", headers=kit.owner.headers)
    ).status_code == 204
    # An upload of the same bytes registers the key and writes it, but has not committed.
    await outbox.register_pending(kit.app.ctx.db, [key], kit.app.ctx.settings.cleanup_grace_seconds)
    result = await kit.drain()
    assert (result.deleted, result.kept) == (0, 1)
    assert await kit.storage_keys() == {key}
    # That upload never commits: once its grace is over the bytes go.
    result = await kit.drain(kit.past_grace())
    assert result.deleted == 1
    assert await kit.storage_keys() == set()


async def test_a_referenced_key_is_kept(kit: FilesKit) -> None:
    await kit.uploaded("a.txt", b"in use")
    key = blob_key(kit.app_id, sha(b"in use"))
    async with kit.app.ctx.db.unit_of_work() as session:
        await outbox.enqueue(session, [key], "test")
    result = await kit.drain()
    assert (result.deleted, result.kept) == (0, 1)
    assert await kit.storage_keys() == {key}
    assert await kit.outbox_rows() == []
