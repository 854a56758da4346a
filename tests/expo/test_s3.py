"""Expo with S3 storage: asset URLs presigned in the bucket, the launch asset redirected there,
and manifests recompiled (without the database) when the URLs are renewed."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from fixtures.expo import MANIFEST, ExpoKit, expo_headers, js_bundle, write_export
from fixtures.expo_client import expo_hash, read_answer
from fixtures.s3server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from fixtures.serving import running_app
from pydantic import SecretStr


async def test_expo_on_s3_presigned_urls_redirects_and_renewal(
    kit: ExpoKit, s3_server: str, s3_bucket: str, tmp_path: Path
) -> None:
    settings = kit.app.ctx.settings.model_copy(
        update={
            "storage_backend": "s3",
            "s3_bucket": s3_bucket,
            "s3_region": REGION,
            "s3_endpoint_url": s3_server,
            "s3_access_key_id": ACCESS_KEY_ID,
            "s3_secret_access_key": SecretStr(SECRET_ACCESS_KEY),
            "s3_presign_ttl_seconds": 600,
        }
    )
    async with running_app(settings) as (s3app, http):
        kit.base.client = http  # uploads and publishing go through the S3 process
        await kit.publish(write_export(tmp_path / "dist", js_bundle(1)))
        await s3app.ctx.expo.refresh()
        manifest = read_answer(await http.get(MANIFEST, headers=expo_headers())).manifest
        assert manifest is not None
        async with httpx.AsyncClient() as device:  # straight from the bucket
            for asset in manifest["assets"]:
                assert asset["url"].startswith(f"{s3_server}/{s3_bucket}/")
                r = await device.get(asset["url"])
                assert r.status_code == 200 and expo_hash(r.content) == asset["hash"]
        launch = urlsplit(manifest["launchAsset"]["url"])
        r = await http.get(launch.path)
        assert r.status_code == 307 and r.headers["cache-control"] == "no-store"
        async with httpx.AsyncClient() as device:
            bundle = await device.get(r.headers["location"])
        assert expo_hash(bundle.content) == manifest["launchAsset"]["hash"]

        # Half the URL lifetime passed: the serving snapshot is re-signed, Expo follows.
        expo_before = s3app.ctx.expo.store.apps["acme/shop"]
        s3app.ctx.snapshots.apps["acme/shop"].built_at = time.monotonic() - 301
        assert await s3app.ctx.expo.refresh() == ["acme/shop"]
        expo_after = s3app.ctx.expo.store.apps["acme/shop"]
        assert expo_after is not expo_before and expo_after.history is expo_before.history
        renewed = read_answer(await http.get(MANIFEST, headers=expo_headers())).manifest
        assert renewed is not None and renewed["id"] == manifest["id"]
