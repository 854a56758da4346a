"""`release create` carries the baseline's config and prints what changes for devices;
`release changes`, `release timeline` and `release rollback-previous` against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.cli import Cli

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("cli-release-changes"), pytest.mark.once]

ORG, APP = "acme", "shop"
APP_ARGS = ("--org", ORG, "--app", APP)


def push(cli: Cli, root: Path, files: dict[str, bytes]) -> int:
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    pushed = cli.json("push", str(root), *APP_ARGS, "--index", "index.android.bundle")
    return int(pushed["version"])


def test_release_changes_timeline_and_rollback_previous(admin: Cli, tmp_path: Path) -> None:
    cli = admin
    cli.ok("org", "create", ORG)
    cli.ok("app", "create", APP, "--org", ORG)
    v1 = push(cli, tmp_path / "v1", {"index.android.bundle": b"v1()", "a.js": b"a"})
    first = cli.json(
        "release",
        "create",
        str(v1),
        *APP_ARGS,
        "--property",
        "theme=dark",
        "--boot-timeout",
        "4000",
    )
    assert first["changes"]["against_release_id"] is None
    v2 = push(cli, tmp_path / "v2", {"index.android.bundle": b"v2(); more", "b.js": b"bb"})
    # No config option: the server carries the baseline's properties and timeouts.
    created = cli.ok("release", "create", str(v2), *APP_ARGS, "--rollout", "100", "--start")
    assert f"Against release {first['id']} (package {v1} → {v2})" in created.stdout
    assert "b.js" in created.stdout and "a.js" in created.stdout
    second = cli.json("release", "list", *APP_ARGS)[0]
    assert second["config"]["properties"] == {"theme": "dark"}
    assert second["config"]["boot_timeout"] == 4000

    changes = cli.json("release", "changes", str(second["id"]), *APP_ARGS)
    assert {(f["path"], f["change"]) for f in changes["files"]} == {
        ("a.js", "removed"),
        ("b.js", "added"),
        ("index.android.bundle", "changed"),
    }
    assert changes["properties"] == [] and changes["config"] == []

    cli.ok("release", "conclude", str(second["id"]), *APP_ARGS)
    restored = cli.ok("release", "rollback-previous", str(second["id"]), *APP_ARGS)
    assert f"restored from release {first['id']}" in restored.stdout
    timeline = cli.json("release", "timeline", *APP_ARGS)
    actions = [(e["release_id"], e["action"]) for e in timeline["entries"]]
    assert (second["id"], "supersede") in actions and (first["id"], "create") in actions
    assert "rollback" in cli.ok("release", "timeline", *APP_ARGS).stdout

    refused = cli.fails(1, "release", "rollback-previous", str(first["id"]), *APP_ARGS)
    assert "invalid_transition" in str(refused)
