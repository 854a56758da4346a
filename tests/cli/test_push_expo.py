"""`tradewind push --expo DIR` against a real server, read back as expo-updates would."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from fixtures.cli import Cli
from fixtures.expo import expo_headers, js_bundle, write_export
from fixtures.expo_client import expo_hash, read_answer
from fixtures.servers import Server

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("cli-push-expo"), pytest.mark.once]


def _manifest(server: Server, org: str, **headers: str) -> httpx.Response:
    url = f"{server.url}/expo/{org}/shop/manifest"
    deadline = time.monotonic() + 10
    while True:  # the server's snapshot poll picks the release up within its interval
        r = httpx.get(url, headers=expo_headers(**headers))
        if r.status_code != 404 or time.monotonic() > deadline:
            return r
        time.sleep(0.1)


def test_push_expo_publishes_every_platform_and_devices_get_it(
    admin: Cli, server: Server, tmp_path: Path
) -> None:
    admin.ok("org", "create", "expo-push")
    admin.ok("app", "create", "shop", "--org", "expo-push")
    dist = write_export(tmp_path / "dist", js_bundle(1))
    (dist / "expoConfig.json").write_text(json.dumps({"name": "Shop", "runtimeVersion": "3.1"}))
    args = ("push", "--expo", str(dist), "--org", "expo-push", "--app", "shop")
    out = admin.json(*args)
    assert {p["platform"] for p in out["packages"]} == {"android", "ios"}
    assert all(p["runtime_version"] == "3.1" for p in out["packages"])
    assert len(out["uploaded"]) == 3  # two bundles, one asset shared by both
    for platform in ("android", "ios"):
        parsed = read_answer(_manifest(server, "expo-push", platform=platform, runtime="3.1"))
        manifest = parsed.manifest
        assert manifest is not None
        assert manifest["extra"]["expoClient"]["name"] == "Shop"
        for asset in [manifest["launchAsset"], *manifest["assets"]]:
            r = httpx.get(asset["url"], headers={"accept-encoding": "br, gzip"})
            assert r.status_code == 200 and expo_hash(r.content) == asset["hash"]
            assert r.headers["content-type"] == asset["contentType"]
    again = admin.json(*args, "--rollout", "20")
    assert again["uploaded"] == []  # nothing new to send
    assert {p["release_status"] for p in again["packages"]} == {"in_progress"}


def test_push_expo_bad_input_is_a_usage_error(admin: Cli, server: Server, tmp_path: Path) -> None:
    admin.ok("org", "create", "expo-bad")
    admin.ok("app", "create", "shop", "--org", "expo-bad")
    empty = tmp_path / "empty"
    empty.mkdir()
    base = ("push", "--expo", "--org", "expo-bad", "--app", "shop")
    result = admin.fails(2, *base[:2], str(empty), *base[2:])
    assert "metadata" in result.stderr
    dist = write_export(tmp_path / "dist", js_bundle(1))
    result = admin.fails(1, *base[:2], str(dist), *base[2:])  # no runtime version anywhere
    assert "runtime_version_required" in result.stderr
    (dist / "metadata.json").write_text('{"fileMetadata": {"web": {}}}')
    result = admin.fails(2, *base[:2], str(dist), *base[2:], "--runtime-version", "1")
    assert "invalid_expo_metadata" in result.stderr
