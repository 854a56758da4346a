"""Packages: creation from uploaded files, validation, listing, deletion, immutability."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fixtures.files import FilesKit, error_code, sha
from fixtures.members import add_member
from fixtures.users import UserFactory
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Application, Release
from tradewind.packages import repository as packages_repo


@pytest.fixture
async def files(kit: FilesKit) -> FilesKit:
    for path in ["index.bundle", "chunk.js", "img/a.png", "img/b.png", "config.json"]:
        await kit.uploaded(path, f"v1 of {path}".encode())
    return kit


async def test_create_show_and_list(files: FilesKit) -> None:
    kit = files
    await kit.uploaded("chunk.js", b"v2 of chunk.js")  # a path names its newest content
    r = await kit.create_package(
        index="index.bundle",
        important=["chunk.js", {"path": "img/a.png", "sha256": sha(b"v1 of img/a.png")}],
        lazy=["img/b.png"],
        properties={"min_app": "1.2", "nested": {"flag": True}},
        notes="first",
    )
    assert r.status_code == 201, r.text[:500]
    body = r.json()
    assert body["version"] == 1
    assert body["index"] == "index.bundle"
    assert [(f["path"], f["kind"]) for f in body["files"]] == [
        ("index.bundle", "index"),
        ("chunk.js", "important"),
        ("img/a.png", "important"),
        ("img/b.png", "lazy"),
    ]
    chunk = body["files"][1]
    assert chunk["sha256"] == sha(b"v2 of chunk.js")
    assert chunk["size"] == len(b"v2 of chunk.js")
    assert chunk["content_type"] == "text/javascript"
    assert body["properties"] == {"min_app": "1.2", "nested": {"flag": True}}
    assert body["created_by"] == kit.owner.email
    shown = await kit.client.get(f"{kit.base}/packages/1", headers=kit.owner.headers)
    assert shown.status_code == 200
    assert shown.json() == body
    second = await kit.create_package(index="index.bundle")
    assert second.json()["version"] == 2
    listed = await kit.client.get(f"{kit.base}/packages", headers=kit.owner.headers)
    assert listed.status_code == 200
    summaries = listed.json()
    assert [p["version"] for p in summaries] == [2, 1]
    assert summaries[1]["file_count"] == 4
    assert summaries[1]["total_size"] == sum(f["size"] for f in body["files"])
    assert summaries[1]["index"] == "index.bundle"
    assert summaries[1]["notes"] == "first"
    page = await kit.client.get(
        f"{kit.base}/packages", params={"limit": 1, "offset": 1}, headers=kit.owner.headers
    )
    assert [p["version"] for p in page.json()] == [1]


INVALID: list[tuple[dict[str, Any], int, str]] = [
    ({"index": "index.bundle", "important": ["index.bundle"]}, 400, "index_in_file_lists"),
    ({"index": "index.bundle", "lazy": ["index.bundle"]}, 400, "index_in_file_lists"),
    (
        {"index": "index.bundle", "important": ["chunk.js"], "lazy": ["chunk.js"]},
        400,
        "important_lazy_overlap",
    ),
    (
        {
            "index": "index.bundle",
            "important": ["chunk.js", {"path": "chunk.js", "sha256": sha(b"v1 of chunk.js")}],
        },
        400,
        "duplicate_path",
    ),
    ({"index": "missing.bundle"}, 400, "unknown_files"),
    ({"index": "index.bundle", "lazy": ["img/c.png"]}, 400, "unknown_files"),
    (
        {"index": {"path": "index.bundle", "sha256": sha(b"other bytes")}},
        400,
        "unknown_files",
    ),
    ({"index": "../index.bundle"}, 400, "invalid_path"),
    ({"index": "index.bundle", "important": ["/abs"]}, 400, "invalid_path"),
    ({"index": "index.bundle", "properties": ["not", "an", "object"]}, 422, "validation_failed"),
    ({"index": "index.bundle", "properties": {"big": "x" * 70_000}}, 400, "properties_too_large"),
    ({"index": "index.bundle", "version": 7}, 422, "validation_failed"),
    ({"important": ["chunk.js"]}, 422, "validation_failed"),
    ({"index": {"path": "index.bundle", "sha256": "short"}}, 422, "validation_failed"),
]


@pytest.mark.parametrize(("body", "status", "code"), INVALID, ids=[c for _, _, c in INVALID])
async def test_invalid_packages(
    files: FilesKit, body: dict[str, Any], status: int, code: str
) -> None:
    r = await files.create_package(**body)
    assert r.status_code == status, r.text[:500]
    assert error_code(r) == code
    counts = await files.counts()
    assert counts["packages"] == counts["package_files"] == 0
    # The failed attempt did not use up a version number.
    assert (await files.create_package(index="index.bundle")).json()["version"] == 1


async def test_unknown_files_are_listed(files: FilesKit) -> None:
    r = await files.create_package(index="index.bundle", important=["x.js", "y.js"])
    assert r.json()["error"]["details"] == {
        "missing": [{"path": "x.js"}, {"path": "y.js"}],
        "missing_count": 2,
    }


async def test_packages_are_immutable(files: FilesKit) -> None:
    assert (await files.create_package(index="index.bundle")).status_code == 201
    url = f"{files.base}/packages/1"
    for method in ("PUT", "PATCH"):
        r = await files.client.request(
            method, url, json={"notes": "x"}, headers=files.owner.headers
        )
        assert r.status_code == 405, method


async def test_delete(files: FilesKit) -> None:
    kit = files
    assert (
        await kit.create_package(index="index.bundle", important=["chunk.js"])
    ).status_code == 201
    assert (await kit.create_package(index="index.bundle")).status_code == 201
    await kit.add_release(2)
    refused = await kit.client.delete(f"{kit.base}/packages/2", headers=kit.owner.headers)
    assert refused.status_code == 409
    assert error_code(refused) == "package_in_use"
    missing = await kit.client.delete(f"{kit.base}/packages/9", headers=kit.owner.headers)
    assert missing.status_code == 404
    assert error_code(missing) == "package_not_found"
    kept = await kit.client.delete(
        f"{kit.base}/packages/1", params={"keep_files": "true"}, headers=kit.owner.headers
    )
    assert kept.status_code == 204
    counts = await kit.counts()
    assert counts["packages"] == 1
    assert counts["files"] == 5  # kept, although chunk.js is now unused
    assert (
        await kit.client.get(f"{kit.base}/packages/1", headers=kit.owner.headers)
    ).status_code == 404
    # Deleting does not free the number: versions only grow.
    assert (await kit.create_package(index="index.bundle")).json()["version"] == 3


async def test_roles(files: FilesKit, users: UserFactory) -> None:
    kit = files
    reader, writer = await users.create(), await users.create()
    await add_member(kit.client, kit.owner, "acme", reader, "read")
    await add_member(kit.client, kit.owner, "acme", writer, "write", app="shop")
    denied = await kit.create_package(as_user=reader, index="index.bundle")
    assert denied.status_code == 403
    assert error_code(denied) == "insufficient_role"
    created = await kit.create_package(as_user=writer, index="index.bundle")
    assert created.status_code == 201
    assert created.json()["created_by"] == writer.email
    assert (await kit.client.get(f"{kit.base}/packages", headers=reader.headers)).status_code == 200
    assert (
        await kit.client.get(f"{kit.base}/packages/1", headers=reader.headers)
    ).status_code == 200
    delete = await kit.client.delete(f"{kit.base}/packages/1", headers=reader.headers)
    assert delete.status_code == 403
    assert (
        await kit.client.delete(f"{kit.base}/packages/1", headers=writer.headers)
    ).status_code == 204


async def test_concurrent_creations_get_distinct_consecutive_versions(
    files: FilesKit, monkeypatch: pytest.MonkeyPatch
) -> None:
    kit = files
    waiting = peak = 0
    allocate = packages_repo.allocate_version

    async def observed(session: AsyncSession, app_id: int) -> int:
        nonlocal waiting, peak
        waiting += 1
        peak = max(peak, waiting)
        try:
            return await allocate(session, app_id)
        finally:
            waiting -= 1

    monkeypatch.setattr(packages_repo, "allocate_version", observed)
    responses = await asyncio.gather(
        *(kit.create_package(index="index.bundle", notes=f"n{i}") for i in range(20))
    )
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
    assert sorted(r.json()["version"] for r in responses) == list(range(1, 21))
    async with kit.app.ctx.db.sessions() as session:
        last = await session.scalar(
            select(Application.last_package_version).where(Application.id == kit.app_id)
        )
    assert last == 20
    assert peak > 1  # the creations really did queue on the application row


async def test_identical_content_reuses_the_package_when_asked(files: FilesKit) -> None:
    kit = files
    await kit.uploaded("index.bundle", b"index v1")
    await kit.uploaded("chunk.js", b"chunk v1")
    body = {"index": "index.bundle", "lazy": ["chunk.js"], "properties": {"a": 1}}
    first = await kit.create_package(**body, reuse_identical=True)
    assert (first.status_code, first.json()["version"], first.json()["reused"]) == (201, 1, False)
    again = await kit.create_package(**body, reuse_identical=True)
    assert (again.status_code, again.json()["version"], again.json()["reused"]) == (200, 1, True)
    # Any difference makes a new version: the kind of a file, properties, content.
    moved = await kit.create_package(
        index="index.bundle", important=["chunk.js"], properties={"a": 1}, reuse_identical=True
    )
    assert (moved.status_code, moved.json()["version"]) == (201, 2)
    props = await kit.create_package(**{**body, "properties": {"a": 2}}, reuse_identical=True)
    assert props.json()["version"] == 3
    await kit.uploaded("chunk.js", b"chunk v2")
    content = await kit.create_package(**body, reuse_identical=True)
    assert content.json()["version"] == 4
    # Without the flag, a new version every time.
    plain = await kit.create_package(**body)
    assert (plain.status_code, plain.json()["version"]) == (201, 5)


async def test_list_marks_live_packages(files: FilesKit) -> None:
    kit = files
    for _ in range(3):
        assert (await kit.create_package(index="index.bundle")).status_code == 201
    created = await kit.add_release(1)  # status "created": not live yet
    live = await kit.add_release(2)
    async with kit.app.ctx.db.unit_of_work() as session:
        await session.execute(
            update(Release).where(Release.id == live).values(status="in_progress")
        )
    r = await kit.client.get(f"{kit.base}/packages", headers=kit.owner.headers)
    marks = {p["version"]: p["live_releases"] for p in r.json()}
    assert marks == {3: [], 2: [live], 1: []}
    assert created != live
