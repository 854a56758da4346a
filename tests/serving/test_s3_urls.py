"""S3 storage: documents carry presigned (or public/CDN) URLs, renewed before they expire."""

from __future__ import annotations

import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import httpx
from fixtures.s3server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from fixtures.serving import DEVICE_PATHS, DeviceKit, files_of, running_app, sdk_parse
from pydantic import SecretStr

from tradewind.settings import Settings


def s3_settings(base: Settings, endpoint: str, bucket: str, **extra: object) -> Settings:
    return base.model_copy(
        update={
            "storage_backend": "s3",
            "s3_bucket": bucket,
            "s3_region": REGION,
            "s3_endpoint_url": endpoint,
            "s3_access_key_id": ACCESS_KEY_ID,
            "s3_secret_access_key": SecretStr(SECRET_ACCESS_KEY),
            "s3_presign_ttl_seconds": 600,
            **extra,
        }
    )


async def _download_all(document: dict[str, object]) -> None:
    async with httpx.AsyncClient() as http:  # straight from the bucket, as a device would
        for entry in files_of(document):  # type: ignore[arg-type]
            r = await http.get(entry["url"])
            assert r.status_code == 200, entry["url"]
            assert hashlib.sha256(r.content).hexdigest() == entry["checksum"]


async def test_presigned_urls_are_served_and_renewed(
    kit: DeviceKit, s3_server: str, s3_bucket: str
) -> None:
    settings = s3_settings(kit.app.ctx.settings, s3_server, s3_bucket)
    async with running_app(settings) as (s3app, http):
        kit.blobs = s3app.ctx.blob_store  # the files' bytes go to the bucket
        version = await kit.package(important=("vendor.js",), lazy=("img/a.png",))
        await kit.file("res/config.json", b"{}")
        await kit.live(version, resources=["res/config.json"])
        store = s3app.ctx.snapshots
        assert store.url_ttl_seconds == 600
        await store.refresh()
        r = await http.get(DEVICE_PATHS[0])
        doc = sdk_parse(r.json())
        for entry in files_of(doc):
            url = urlsplit(entry["url"])
            assert url.geturl().startswith(f"{s3_server}/{s3_bucket}/")
            assert parse_qs(url.query)["X-Amz-Expires"] == ["600"]
        await _download_all(doc)

        # Nothing changed in the database, but half the URL lifetime has passed: re-signed.
        before = store.apps["acme/shop"]
        before.built_at = time.monotonic() - 301
        result = await store.refresh()
        assert result.resigned == ("acme/shop",) and result.rebuilt == ()
        assert store.apps["acme/shop"] is not before
        assert store.apps["acme/shop"].built_at > before.built_at
        await _download_all((await http.get(DEVICE_PATHS[0])).json())
        assert (await store.refresh()).resigned == ()


async def test_public_base_url_needs_no_renewal(
    kit: DeviceKit, s3_server: str, s3_bucket: str
) -> None:
    cdn = "https://cdn.example.com/ota"
    settings = s3_settings(kit.app.ctx.settings, s3_server, s3_bucket, s3_public_base_url=cdn)
    async with running_app(settings) as (s3app, http):
        kit.blobs = s3app.ctx.blob_store
        await kit.live(await kit.package())
        await s3app.ctx.snapshots.refresh()
        assert s3app.ctx.snapshots.url_ttl_seconds is None
        doc = sdk_parse((await http.get(DEVICE_PATHS[0])).json())
        assert doc["package"]["index"]["url"].startswith(f"{cdn}/apps/")
