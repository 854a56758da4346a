"""The real `code-push@4.2.3` acquisition SDK (Node) against a running `tradewind serve`.

One server for the module. The device's side is done as react-native-code-push does it: the SDK
asks and reports; the zip at `downloadUrl` is fetched and unpacked; a diff zip is merged into a
copy of the running folder (files of `hotcodepush.json`'s deletedFiles removed) and the folder
hash is computed by Node, independently of the server's code, then compared.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fixtures.cli import running_server
from fixtures.codepush_client import Device, folder_hash, install_sdk, run_driver
from fixtures.database import create_test_database
from fixtures.files import zip_bytes
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD, Server, login

# One worker for the module's server. `once`: the real CodePush SDK speaks HTTP; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("codepush-client"), pytest.mark.once]
BASE = "/api/v1/orgs/acme/apps/shop/codepush/deployments"
BUNDLE = "CodePush/index.android.bundle"


@dataclass
class World:
    server: Server
    sdk: Path
    headers: dict[str, str]
    keys: dict[str, str]

    def device(
        self, client_id: str, app_version: str = "1.0.0", deployment: str = "Staging"
    ) -> Device:
        return Device(self.sdk, self.server.url, self.keys[deployment], app_version, client_id)

    def release(
        self, files: dict[str, bytes], deployment: str = "Staging", **options: Any
    ) -> dict[str, Any]:
        options.setdefault("target_binary", "^1.0.0")
        r = httpx.post(
            f"{self.server.url}{BASE}/{deployment}/releases",
            headers=self.headers,
            files={"archive": ("bundle.zip", zip_bytes(files), "application/zip")},
            data={"manifest": json.dumps(options)},
            timeout=30,
        )
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = httpx.post(
            f"{self.server.url}{BASE}/{path}", headers=self.headers, json=body, timeout=30
        )
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result

    def get(self, path: str) -> Any:
        r = httpx.get(f"{self.server.url}{BASE}/{path}", headers=self.headers, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    sdk = install_sdk()
    tmp = tmp_path_factory.mktemp("codepush-client")
    base_url = os.environ.get("TRADEWIND_TEST_DATABASE_URL", "")
    if base_url:
        with (
            create_test_database(base_url, tmp) as database,
            running_server(tmp, database.url) as server,
        ):
            yield _world(server, sdk)
    else:
        with running_server(tmp, "") as server:
            yield _world(server, sdk)


def _world(server: Server, sdk: Path) -> World:
    token = login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        httpx.post(f"{server.url}/api/v1/orgs", json={"name": "acme"}, headers=headers).status_code
        == 201
    )
    r = httpx.post(f"{server.url}/api/v1/orgs/acme/apps", json={"name": "shop"}, headers=headers)
    assert r.status_code == 201, r.text
    deployments = httpx.get(f"{server.url}{BASE}", headers=headers).json()
    return World(server, sdk, headers, {d["name"]: d["key"] for d in deployments})


def eventually(probe: Any, accept: Any, seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if accept(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def unpack(data: bytes, folder: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)


def apply_diff(data: bytes, running: Path, target: Path) -> list[str]:
    """react-native-code-push's diff update: copy the running folder, drop deletedFiles, copy
    the diff's files over it, remove hotcodepush.json. Returns deletedFiles."""
    shutil.copytree(running, target)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        deleted: list[str] = json.loads(archive.read("hotcodepush.json"))["deletedFiles"]
        for name in deleted:
            (target / name).unlink()
        archive.extractall(target)
    (target / "hotcodepush.json").unlink()
    return deleted


def download(url: str) -> bytes:
    r = httpx.get(url, timeout=30)
    assert r.status_code == 200
    return r.content


V1 = {
    BUNDLE: b"console.log('v1')",
    "CodePush/assets/logo.png": b"PNG1",
    "CodePush/old.txt": b"gone soon",
}
V2 = {**V1, BUNDLE: b"console.log('v2 fix')"}
V3 = {BUNDLE: b"console.log('v3')", "CodePush/assets/logo.png": b"PNG1", "CodePush/new.txt": b"new"}


def test_story_with_the_real_sdk(world: World, tmp_path: Path) -> None:
    phone = world.device("phone-1")
    assert phone.check({}) is None  # nothing released yet: no update, no error

    # First release: offered whole, the device's own folder hash matches.
    world.release(V1, description="first")
    remote = eventually(lambda: phone.check({}), lambda r: r is not None)
    assert remote["label"] == "v1" and remote["isMandatory"] is False
    assert remote["appVersion"] == "1.0.0"  # target_binary_range: the echoed binary version
    unpack(download(remote["downloadUrl"]), tmp_path / "v1")
    assert folder_hash(world.sdk, tmp_path / "v1") == remote["packageHash"]
    assert remote["packageSize"] == len(download(remote["downloadUrl"]))
    phone.report_download(remote)
    phone.report_deploy(remote, succeeded=True, previous="1.0.0")
    running = {"label": "v1", "packageHash": remote["packageHash"]}
    assert phone.check(running) is None

    # v2 mandatory, v3 optional: the device on v1 skipped a mandatory release.
    world.release(V2, mandatory=True)
    world.release(V3)
    remote = eventually(lambda: phone.check(running), lambda r: r and r["label"] == "v3")
    assert remote["label"] == "v3" and remote["isMandatory"] is True
    # A device already on v2 is not forced: nothing mandatory was skipped.
    v2_hash = world.get("Staging/history")[1]["package_hash"]
    assert (
        world.device("phone-2").check({"label": "v2", "packageHash": v2_hash})["isMandatory"]
        is False
    )

    # The diff zip from v1 to v3 is built in the background; then the check offers it.
    full_size = world.get("Staging/history")[2]["size"]
    remote = eventually(lambda: phone.check(running), lambda r: r["packageSize"] != full_size)
    deleted = apply_diff(download(remote["downloadUrl"]), tmp_path / "v1", tmp_path / "v3")
    assert deleted == ["CodePush/old.txt"]
    with zipfile.ZipFile(io.BytesIO(download(remote["downloadUrl"]))) as diff:
        assert sorted(diff.namelist()) == sorted([BUNDLE, "CodePush/new.txt", "hotcodepush.json"])
    assert folder_hash(world.sdk, tmp_path / "v3") == remote["packageHash"]
    phone.report_deploy(remote, succeeded=True, previous="v1")

    # A 30 % rollout admits exactly the devices the reference rule admits.
    world.release({**V3, BUNDLE: b"console.log('v4')"}, rollout=30)
    v3 = {"label": "v3", "packageHash": remote["packageHash"]}
    ids = [f"device-{n}" for n in range(60)]
    eventually(lambda: world.device("x").check(v3), lambda r: r is None or r["label"] == "v4")
    admitted = {i for i in ids if (world.device(i).check(v3) or {}).get("label") == "v4"}
    expected = set(run_driver(world.sdk, "rollout", json.dumps(ids), "30", "v4"))
    assert admitted == expected and 5 < len(admitted) < 35

    # A failed install on v4 counts; then roll back: v5 carries v3's contents to everyone.
    device_on_v4 = world.device(sorted(expected)[0])
    v4_remote = device_on_v4.check(v3)
    device_on_v4.report_deploy(v4_remote, succeeded=False, previous="v3")
    rolled = world.post("Staging/rollback", {})
    assert rolled["label"] == "v5" and rolled["package_hash"] == v3["packageHash"]
    v4 = {"label": "v4", "packageHash": v4_remote["packageHash"]}
    back = eventually(lambda: device_on_v4.check(v4), lambda r: r and r["label"] == "v5")
    assert back["packageHash"] == v3["packageHash"]
    assert eventually(lambda: world.device("y").check(v3), lambda r: r is None) is None

    # Reports reached the metrics (the signal pipeline flushes in the background).
    def counts() -> dict[str, Any]:
        found: dict[str, Any] = world.get("Staging/metrics")["metrics"]
        return found

    metrics = eventually(
        counts, lambda m: m.get("v4", {}).get("failed") == 1 and m["v1"]["downloaded"] == 1
    )
    assert metrics["v1"]["downloaded"] == 1 and metrics["v1"]["installed"] == 1
    assert metrics["v3"]["installed"] == 1 and metrics["v4"]["failed"] == 1


def test_bad_keys_and_versions_are_errors_for_the_sdk(world: World) -> None:
    with pytest.raises(AssertionError, match="404"):
        world.device("p", deployment="Staging").__class__(
            world.sdk, world.server.url, "x" * 40, "1.0.0", "p"
        ).check({})
    with pytest.raises(AssertionError, match="400"):
        world.device("p", app_version="not-a-version").check({})
