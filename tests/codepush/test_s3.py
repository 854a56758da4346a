"""CodePush zips and diff zips in S3 (moto's standalone server on loopback): devices download
them from the bucket with presigned URLs, renewed before they expire."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from urllib.parse import parse_qs, urlsplit

import httpx
from fixtures.codepush import BASE, CHECK, CodePushKit
from fixtures.files import s3_settings, zip_bytes
from fixtures.serving import running_app

from tradewind.codepush.diffs import build_pending
from tradewind.codepush.setup import storage_of


def stop_diff_builders() -> int:
    """Cancel the diff builders running now: the kit's own app (local storage, same database)
    would otherwise race the S3 process for each release and put its diffs on local disk."""
    builders = [
        task
        for task in asyncio.all_tasks()
        if task.get_coro().__qualname__ == "_diff_builder"  # type: ignore[union-attr]
    ]
    for task in builders:
        task.cancel()
    return len(builders)


async def test_zips_and_diffs_are_served_from_the_bucket(
    kit: CodePushKit, s3_server: str, s3_bucket: str
) -> None:
    settings = s3_settings(kit.app.ctx.settings, s3_server, s3_bucket).model_copy(
        update={"s3_presign_ttl_seconds": 600}
    )
    key = await kit.key()
    assert stop_diff_builders() == 1
    async with running_app(settings) as (s3app, http):
        for files in (
            {"CodePush/a.bundle": b"1", "CodePush/old": b"x"},
            {"CodePush/a.bundle": b"2"},
        ):
            r = await http.post(
                f"{BASE}/Staging/releases",
                headers=kit.owner.headers,
                files={"archive": ("b.zip", zip_bytes(files), "application/zip")},
                data={"manifest": json.dumps({"target_binary": "*"})},
            )
            assert r.status_code == 201, r.text
        first = (await http.get(f"{BASE}/Staging/history", headers=kit.owner.headers)).json()[0]
        assert await build_pending(storage_of(s3app.ctx)) >= 1
        store = s3app.ctx.codepush
        assert store.url_ttl_seconds == 600
        await store.refresh()
        params = {
            "deployment_key": key,
            "app_version": "1.0.0",
            "package_hash": first["package_hash"],
        }
        info = (await http.get(CHECK, params=params)).json()["update_info"]
        url = urlsplit(info["download_url"])
        assert url.geturl().startswith(f"{s3_server}/{s3_bucket}/")
        assert parse_qs(url.query)["X-Amz-Expires"] == ["600"]
        async with httpx.AsyncClient() as device:
            diff = (await device.get(info["download_url"])).content
        with zipfile.ZipFile(io.BytesIO(diff)) as archive:
            assert json.loads(archive.read("hotcodepush.json")) == {
                "deletedFiles": ["CodePush/old"]
            }
            assert archive.read("CodePush/a.bundle") == b"2"

        # Half the URL lifetime later (nothing changed in the database) the answers are
        # rebuilt with new signatures; right after, nothing is rebuilt.
        assert await store.refresh() == []
        stale = {app_id: at - 301 for app_id, at in store._built_at.items()}
        store._built_at = dict(stale)
        rebuilt = await store.refresh()
        # The store's own background loop may have renewed them first.
        assert rebuilt == list(stale) or all(store._built_at[a] > stale[a] for a in stale)
        again = (await http.get(CHECK, params=params)).json()["update_info"]
        assert again["package_hash"] == info["package_hash"]
        assert parse_qs(urlsplit(again["download_url"]).query)["X-Amz-Expires"] == ["600"]
