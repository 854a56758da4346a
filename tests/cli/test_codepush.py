"""`tradewind codepush`: deployments and keys, release a folder, promote, rollback, history."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fixtures.cli import Cli
from fixtures.servers import Server

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("cli-codepush"), pytest.mark.once]
APP = ("--org", "acme", "--app", "shop")


def check(server: Server, key: str, **params: str) -> dict[str, object]:
    r = httpx.get(
        f"{server.url}/v0.1/public/codepush/update_check",
        params={"deployment_key": key, "app_version": "1.2.3", **params},
    )
    assert r.status_code == 200, r.text
    info: dict[str, object] = r.json()["update_info"]
    return info


def test_codepush_story(admin: Cli, server: Server, tmp_path: Path) -> None:
    admin.ok("org", "create", "acme")
    admin.ok("app", "create", "shop", "--org", "acme")
    listed = admin.json("codepush", "deployment", "list", *APP)
    assert [d["name"] for d in listed] == ["Staging", "Production"]
    added = admin.json("codepush", "deployment", "add", "QA", *APP)
    admin.ok("codepush", "deployment", "rename", "QA", "Beta", *APP)
    old_key = added["key"]
    new_key = admin.json("codepush", "deployment", "key", "Beta", "--rotate", *APP)["key"]
    assert new_key != old_key
    assert admin.ok("codepush", "deployment", "key", "Beta", *APP).stdout.strip() == new_key
    admin.fails(2, "codepush", "deployment", "rm", "Beta", *APP)  # needs --yes without a terminal
    admin.ok("codepush", "deployment", "rm", "Beta", "--yes", *APP)

    bundle = tmp_path / "CodePush"
    (bundle / "assets").mkdir(parents=True)
    (bundle / "index.android.bundle").write_text("console.log(1)")
    (bundle / "assets" / "a.png").write_bytes(b"png")
    (bundle / ".DS_Store").write_bytes(b"junk")
    first = admin.json(
        "codepush",
        "release",
        str(bundle),
        "--deployment",
        "Staging",
        "--target-binary",
        "^1.2.0",
        *APP,
    )
    assert first["label"] == "v1"
    (bundle / "index.android.bundle").write_text("console.log(2)")
    second = admin.json(
        "codepush",
        "release",
        str(bundle),
        "-d",
        "Staging",
        "-t",
        "^1.2.0",
        "--mandatory",
        "--rollout",
        "10",
        *APP,
    )
    assert (second["label"], second["mandatory"], second["rollout"]) == ("v2", True, 10.0)
    promoted = admin.json("codepush", "promote", "Staging", "Production", *APP)
    assert promoted["label"] == "v1" and promoted["package_hash"] == second["package_hash"]
    rolled = admin.json("codepush", "rollback", "Staging", *APP)
    assert rolled["label"] == "v3" and rolled["package_hash"] == first["package_hash"]
    history = admin.ok("codepush", "history", "Staging", *APP).stdout
    assert "v1" in history and "v3" in history

    keys = {d["name"]: d["key"] for d in admin.json("codepush", "deployment", "list", *APP)}
    info = check(server, keys["Production"])
    assert info["is_available"] is True and info["package_hash"] == second["package_hash"]
    assert (
        check(server, keys["Staging"], package_hash=str(first["package_hash"]))["is_available"]
        is False
    )
    missing = admin.fails(2, "codepush", "release", str(tmp_path / "nope"), "-t", "1.0.0", *APP)
    assert "not a folder" in missing.stderr
