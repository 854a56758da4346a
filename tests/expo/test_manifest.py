"""The manifest endpoint read with expo-updates' rules (tests/fixtures/expo_client.py)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fixtures.database import counted_statements
from fixtures.expo import ExpoKit, expo_headers, js_bundle, write_export
from fixtures.expo_client import check_manifest, download_all, expo_hash, read_answer, unpadded


async def test_published_update_is_served_and_every_asset_verifies(
    kit: ExpoKit, tmp_path: Path
) -> None:
    out = await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    by_platform = {p["platform"]: p for p in out["packages"]}
    assert set(by_platform) == {"android", "ios"}
    for platform in ("android", "ios"):
        r = await kit.manifest(platform=platform)
        assert r.status_code == 200, r.text
        assert r.headers["expo-protocol-version"] == "1"
        assert r.headers["expo-sfv-version"] == "0"
        assert r.headers["cache-control"] == "private, max-age=0"
        assert r.headers["content-type"].startswith("multipart/mixed; boundary=")
        parsed = read_answer(r)
        manifest = parsed.manifest
        assert manifest is not None and parsed.extensions == {"assetRequestHeaders": {}}
        assert manifest["id"] == by_platform[platform]["update_id"]
        assert str(uuid.UUID(manifest["id"])) == manifest["id"]
        assert manifest["runtimeVersion"] == "1.0.0"
        assert manifest["launchAsset"]["contentType"] == "application/javascript"
        assert [a["fileExtension"] for a in manifest["assets"]] == [".png"]
        assert manifest["assets"][0]["contentType"] == "image/png"
        assert all(unpadded(a["hash"]) for a in [manifest["launchAsset"], *manifest["assets"]])
        files = await download_all(kit.base.client, manifest)
        assert files[manifest["launchAsset"]["key"]].endswith(platform.encode())


async def test_created_at_is_the_release_time_and_ids_differ_per_release(
    kit: ExpoKit, tmp_path: Path
) -> None:
    await kit.published(write_export(tmp_path / "one", js_bundle(1)))
    first = read_answer(await kit.manifest()).manifest
    await kit.published(write_export(tmp_path / "two", js_bundle(2)))
    second = read_answer(await kit.manifest()).manifest
    assert first and second and first["id"] != second["id"]
    assert second["createdAt"] > first["createdAt"]


async def test_json_only_clients_get_application_expo_json(kit: ExpoKit, tmp_path: Path) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    r = await kit.manifest(expo_headers(accept="application/expo+json"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/expo+json"
    check_manifest(r.json())
    weighted = "multipart/mixed;q=0.1, application/expo+json;q=0.9"
    r = await kit.manifest(expo_headers(accept=weighted))
    assert r.headers["content-type"] == "application/expo+json"


async def test_no_update_available_when_the_device_runs_it(kit: ExpoKit, tmp_path: Path) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    served = read_answer(await kit.manifest()).manifest
    assert served is not None
    r = await kit.manifest(expo_headers(expo_current_update_id=served["id"].upper()))
    parsed = read_answer(r)
    assert parsed.manifest is None
    assert parsed.directive == {"type": "noUpdateAvailable"}


async def test_roll_back_to_embedded(kit: ExpoKit, tmp_path: Path) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    r = await kit.post(
        "/expo/embedded-rollbacks", {"runtime_version": "1.0.0", "platforms": ["android"]}
    )
    assert r.status_code == 201, r.text
    await kit.refresh()
    embedded = str(uuid.uuid4())
    parsed = read_answer(await kit.manifest(expo_headers(expo_embedded_update_id=embedded)))
    assert parsed.directive is not None and parsed.directive["type"] == "rollBackToEmbedded"
    assert parsed.directive["parameters"]["commitTime"].endswith("Z")
    # iOS keeps the update; a device already on its embedded update is told nothing new.
    assert read_answer(await kit.manifest(platform="ios")).manifest is not None
    on_embedded = expo_headers(expo_embedded_update_id=embedded, expo_current_update_id=embedded)
    assert read_answer(await kit.manifest(on_embedded)).directive == {"type": "noUpdateAvailable"}
    # A directive cannot travel as JSON.
    r = await kit.manifest(expo_headers(accept="application/expo+json"))
    assert r.status_code == 406 and r.headers["x-tradewind-error"] == "not_acceptable"


async def test_channels_and_runtime_versions_are_separate_audiences(
    kit: ExpoKit, tmp_path: Path
) -> None:
    await kit.published(write_export(tmp_path / "prod", js_bundle(1)))
    await kit.published(
        write_export(tmp_path / "beta", js_bundle(2)),
        runtime_version="2.0.0",
        release={"channel": "beta"},
    )
    prod = read_answer(await kit.manifest()).manifest
    beta = read_answer(
        await kit.manifest(expo_headers(runtime="2.0.0", expo_channel_name="beta"))
    ).manifest
    assert prod and beta and prod["id"] != beta["id"] and beta["runtimeVersion"] == "2.0.0"
    r = await kit.manifest(expo_headers(runtime="2.0.0"))  # production has no 2.0.0 update
    assert r.status_code == 404 and r.headers["x-tradewind-error"] == "no_update"


async def test_staged_rollout_buckets_by_eas_client_id(kit: ExpoKit, tmp_path: Path) -> None:
    await kit.published(write_export(tmp_path / "one", js_bundle(1)))
    baseline = read_answer(await kit.manifest()).manifest
    await kit.published(write_export(tmp_path / "two", js_bundle(2)), release={"percentage": 50})
    seen = set()
    for n in range(40):
        headers = expo_headers(eas_client_id=str(uuid.UUID(int=n + 1)))
        manifest = read_answer(await kit.manifest(headers)).manifest
        assert manifest is not None
        seen.add(manifest["id"])
        again = read_answer(await kit.manifest(headers)).manifest
        assert again is not None and again["id"] == manifest["id"]  # sticky per device
    assert baseline is not None and baseline["id"] in seen and len(seen) == 2


BAD_REQUESTS = [
    ({"expo-protocol-version": None}, 400, "missing_protocol_version"),
    ({"expo-protocol-version": "2"}, 400, "unsupported_protocol_version"),
    ({"expo-platform": "web"}, 400, "invalid_platform"),
    ({"expo-platform": None}, 400, "invalid_platform"),
    ({"expo-runtime-version": None}, 400, "invalid_runtime_version"),
    ({"expo-runtime-version": "9.9.9"}, 404, "no_update"),
    ({"expo-current-update-id": "not-a-uuid"}, 400, "invalid_update_id"),
    ({"expo-embedded-update-id": "1234"}, 400, "invalid_update_id"),
    ({"expo-extra-params": "a=(("}, 400, "invalid_extra_params"),
    ({"expo-expect-signature": 'sig="unterminated'}, 400, "invalid_expect_signature"),
    ({"expo-expect-signature": 'keyid="main"'}, 400, "invalid_expect_signature"),
    (
        {"expo-expect-signature": 'sig, keyid="main", alg="rsa-v1_5-sha256"'},
        400,
        "code_signing_unavailable",
    ),
    ({"expo-recent-failed-update-ids": '"nope"'}, 400, "invalid_failed_update_ids"),
    ({"expo-recent-failed-update-ids": "(("}, 400, "invalid_failed_update_ids"),
    ({"accept": "text/html"}, 406, "not_acceptable"),
    ({"accept": "multipart/mixed;q=0, application/expo+json;q=0"}, 406, "not_acceptable"),
    ({"eas-client-id": "x" * 300}, 400, "header_too_long"),
]


@pytest.mark.parametrize(("change", "status", "code"), BAD_REQUESTS)
async def test_bad_requests_get_a_clear_4xx(
    kit: ExpoKit, tmp_path: Path, change: dict[str, str | None], status: int, code: str
) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    headers = expo_headers()
    for name, value in change.items():
        headers.pop(name, None)
        if value is not None:
            headers[name] = value
    r = await kit.manifest(headers)
    assert (r.status_code, r.headers["x-tradewind-error"]) == (status, code), r.text
    assert r.headers["content-type"].startswith("text/plain")


async def test_repeated_protocol_version_and_other_methods(kit: ExpoKit, tmp_path: Path) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    headers = [*expo_headers().items(), ("expo-protocol-version", "1")]
    r = await kit.base.client.get("/expo/acme/shop/manifest", headers=headers)
    assert (r.status_code, r.headers["x-tradewind-error"]) == (400, "repeated_protocol_version")
    r = await kit.base.client.post("/expo/acme/shop/manifest", headers=expo_headers())
    assert r.status_code == 405
    r = await kit.base.client.get("/expo/acme/nope/manifest", headers=expo_headers())
    assert (r.status_code, r.headers["x-tradewind-error"]) == (404, "application_not_found")
    r = await kit.base.client.get("/expo/acme/shop/other", headers=expo_headers())
    assert r.status_code == 404


async def test_query_parameters_stand_in_for_platform_and_runtime(
    kit: ExpoKit, tmp_path: Path
) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    headers = expo_headers()
    del headers["expo-platform"], headers["expo-runtime-version"]
    r = await kit.base.client.get(
        "/expo/acme/shop/manifest?platform=ios&runtime-version=1.0.0", headers=headers
    )
    assert read_answer(r).manifest is not None


async def test_launch_asset_hash_is_the_unpadded_base64url_sha256(
    kit: ExpoKit, tmp_path: Path
) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(3)))
    manifest = read_answer(await kit.manifest()).manifest
    assert manifest is not None
    r = await kit.base.client.get(manifest["launchAsset"]["url"])
    assert manifest["launchAsset"]["hash"] == expo_hash(r.content)
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-type"] == "application/javascript"
    r = await kit.base.client.get(
        manifest["launchAsset"]["url"], headers={"accept-encoding": "gzip"}
    )
    assert r.status_code == 200 and expo_hash(r.content) == manifest["launchAsset"]["hash"]


async def test_manifest_requests_run_no_sql(kit: ExpoKit, tmp_path: Path) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    with counted_statements(kit.app.ctx.db) as seen:
        for platform in ("android", "ios", "android"):
            r = await kit.manifest(platform=platform)
            assert r.status_code == 200
        r = await kit.manifest(expo_headers(runtime="0.0.1"))
        assert r.status_code == 404
    assert seen == []
