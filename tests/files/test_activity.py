"""Uploads in flight: counted while their bodies stream and their blobs are stored, so that the
background compressor waits for them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fixtures.files import FilesKit, sha, zip_bytes

from tradewind.files.activity import UploadActivity


@pytest.mark.once
async def test_quiet_returns_at_once_when_nothing_is_in_flight() -> None:
    await asyncio.wait_for(UploadActivity().quiet(longest=60), timeout=1)


@pytest.mark.once
async def test_quiet_waits_for_the_last_upload_to_end() -> None:
    activity = UploadActivity()
    with activity.uploading():
        waiting = asyncio.ensure_future(activity.quiet(longest=60))
        with activity.uploading():
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.05)
        assert not waiting.done()  # one upload is still in flight
    await asyncio.wait_for(waiting, timeout=1)
    assert activity.in_flight == 0


@pytest.mark.once
async def test_quiet_gives_up_after_the_longest_wait() -> None:
    activity = UploadActivity()
    with activity.uploading():
        await asyncio.wait_for(activity.quiet(longest=0.05), timeout=1)
        assert activity.in_flight == 1


async def test_an_upload_is_in_flight_while_its_body_streams(kit: FilesKit) -> None:
    uploads = kit.app.ctx.uploads
    halfway = asyncio.Event()
    go_on = asyncio.Event()
    data = b"first half|second half"

    async def body() -> AsyncIterator[bytes]:
        yield data[:10]
        halfway.set()
        await go_on.wait()
        yield data[10:]

    headers = {**kit.owner.headers, "X-Checksum-Sha256": sha(data)}
    put = asyncio.ensure_future(
        kit.client.put(f"{kit.base}/files/streamed.bin", content=body(), headers=headers)
    )
    await asyncio.wait_for(halfway.wait(), timeout=10)
    assert uploads.in_flight == 1
    go_on.set()
    assert (await put).status_code == 201
    assert uploads.in_flight == 0


@pytest.mark.parametrize("fails", [False, True])
async def test_a_bundle_upload_is_in_flight_until_it_is_stored(
    kit: FilesKit, fails: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads = kit.app.ctx.uploads
    seen: list[int] = []
    real_adopt_files = kit.store.adopt_files

    async def adopt_files(*args: object) -> None:
        seen.append(uploads.in_flight)
        await real_adopt_files(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(kit.store, "adopt_files", adopt_files)
    archive = b"not a zip" if fails else zip_bytes({"index.android.bundle": b"bundle"})
    r = await kit.upload_bundle(archive, {"index": "index.android.bundle"})
    assert r.status_code == (400 if fails else 201), r.text[:300]
    assert seen == ([] if fails else [1])
    assert uploads.in_flight == 0
