"""bsdiff patches of the launch asset, applied with bsdiff4 as the client's patcher would."""

from __future__ import annotations

from pathlib import Path

import bsdiff4
from fixtures.expo import ExpoKit, js_bundle, write_export
from fixtures.expo_client import expo_hash, read_answer

from tradewind.expo.patches import patch_key


async def _two_updates(kit: ExpoKit, tmp_path: Path) -> tuple[dict, dict]:  # type: ignore[type-arg]
    await kit.published(write_export(tmp_path / "one", js_bundle(1)))
    old = read_answer(await kit.manifest()).manifest
    await kit.published(write_export(tmp_path / "two", js_bundle(2)))
    new = read_answer(await kit.manifest()).manifest
    assert old is not None and new is not None
    return old, new


def _patch_headers(base_id: str, requested_id: str) -> dict[str, str]:
    return {
        "a-im": "bsdiff",
        "expo-current-update-id": base_id,
        "expo-requested-update-id": requested_id,
        "accept-encoding": "br, gzip",
    }


async def test_second_update_arrives_as_a_patch_that_rebuilds_the_bundle(
    kit: ExpoKit, tmp_path: Path
) -> None:
    old, new = await _two_updates(kit, tmp_path)
    http = kit.base.client
    base_bytes = (await http.get(old["launchAsset"]["url"])).content
    url = new["launchAsset"]["url"]
    first = await http.get(url, headers=_patch_headers(old["id"], new["id"]))
    assert first.status_code == 200  # not ready yet: the full bundle, patch made meanwhile
    assert expo_hash(first.content) == new["launchAsset"]["hash"]
    await kit.app.ctx.expo.patches.drain()
    r = await http.get(url, headers=_patch_headers(old["id"].upper(), new["id"]))
    assert r.status_code == 226
    assert r.headers["im"] == "bsdiff"
    assert r.headers["expo-base-update-id"] == old["id"]
    assert r.headers["cache-control"] == "private, no-store"
    patched = bsdiff4.patch(base_bytes, r.content)
    assert expo_hash(patched) == new["launchAsset"]["hash"]
    assert len(r.content) < len(patched) / 5
    app_id = kit.base.app_id
    sha_old = old["launchAsset"]["key"]
    sha_new = new["launchAsset"]["key"]
    assert await kit.app.ctx.blob_store.exists(patch_key(app_id, sha_old, sha_new))


async def test_full_bundle_without_a_usable_base(kit: ExpoKit, tmp_path: Path) -> None:
    old, new = await _two_updates(kit, tmp_path)
    http = kit.base.client
    url = new["launchAsset"]["url"]
    unknown = "00000000-0000-4000-8000-000000000000"
    for headers in (
        {"expo-current-update-id": old["id"]},  # no A-IM
        _patch_headers(unknown, new["id"]),  # a base the server never served
        _patch_headers(new["id"], new["id"]),  # the same bundle
        {"a-im": "bsdiff;q=0", "expo-current-update-id": old["id"]},
    ):
        await kit.app.ctx.expo.patches.drain()
        r = await http.get(url, headers=headers)
        assert r.status_code == 200, headers
        assert expo_hash(r.content) == new["launchAsset"]["hash"]


async def test_a_patch_made_by_another_process_is_reused_from_blob_storage(
    kit: ExpoKit, tmp_path: Path
) -> None:
    old, new = await _two_updates(kit, tmp_path)
    headers = _patch_headers(old["id"], new["id"])
    await kit.base.client.get(new["launchAsset"]["url"], headers=headers)
    patches = kit.app.ctx.expo.patches
    await patches.drain()
    patches._ready.clear()  # a fresh process: nothing in memory, the blob is stored
    await kit.base.client.get(new["launchAsset"]["url"], headers=headers)
    await patches.drain()
    r = await kit.base.client.get(new["launchAsset"]["url"], headers=headers)
    assert r.status_code == 226


async def test_unknown_bundle_is_404(kit: ExpoKit, tmp_path: Path) -> None:
    await kit.published(write_export(tmp_path / "one", js_bundle(1)))
    r = await kit.base.client.get("/expo/acme/shop/bundles/" + "0" * 64)
    assert (r.status_code, r.headers["x-tradewind-error"]) == (404, "asset_not_found")
