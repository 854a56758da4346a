"""`tradewind config schema get|set|diff`, `config cohort ...` and a config-only release,
against a real server process."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from fixtures.cli import Cli, Server

from tradewind.cli.commands.remote_config import schema_changes

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("cli-remote-config"), pytest.mark.once]

ORG, APP = "acme", "flags"
APP_ARGS = ("--org", ORG, "--app", APP)
SCHEMA = {
    "properties": {
        "dark_mode": {"description": "UI", "default_value": False, "schema": {"type": "boolean"}},
        "retries": {"default_value": 3, "schema": {"type": "integer", "minimum": 0}},
    }
}


def _write(path: Path, data: object) -> str:
    path.write_text(json.dumps(data))
    return str(path)


@pytest.mark.once
def test_schema_changes_by_name() -> None:
    current = {"a": {"description": "", "default_value": 1, "schema": {}}, "b": {"x": 1}}
    wanted = {"a": {"default_value": 1, "schema": {}}, "c": {}}
    assert schema_changes(current, wanted) == [("b", "removed"), ("c", "added")]
    assert schema_changes(current, {"a": {"default_value": 2, "schema": {}}}) == [
        ("a", "changed"),
        ("b", "removed"),
    ]


def test_schema_cohorts_and_a_config_only_release(
    admin: Cli, server: Server, tmp_path: Path
) -> None:
    cli = admin
    cli.ok("org", "create", ORG)
    cli.ok("app", "create", APP, "--org", ORG)
    schema_file = _write(tmp_path / "schema.json", SCHEMA)
    diff = cli.json("config", "schema", "diff", schema_file, *APP_ARGS)
    assert diff == [
        {"property": "dark_mode", "change": "added"},
        {"property": "retries", "change": "added"},
    ]
    assert (
        "Schema set: added dark_mode, added retries."
        in cli.ok("config", "schema", "set", schema_file, *APP_ARGS).stdout
    )
    assert cli.json("config", "schema", "diff", schema_file, *APP_ARGS) == []
    got = cli.json("config", "schema", "get", *APP_ARGS)
    assert got["properties"]["retries"]["default_value"] == 3
    bad = _write(
        tmp_path / "bad.json",
        {"properties": {"x": {"default_value": "s", "schema": {"type": "integer"}}}},
    )
    failed = cli.fails(1, "config", "schema", "set", bad, *APP_ARGS)
    assert "invalid_property_schema" in failed.stderr
    cli.ok("dimension", "create", "app_version", "--type", "semver", *APP_ARGS)
    cohorts = {"base_dimension": "app_version", "cohorts": [{"name": "v3", "at_least": "3.0.0"}]}
    shown = cli.ok(
        "config", "cohort", "set", "tier", _write(tmp_path / "c.json", cohorts), *APP_ARGS
    )
    assert "app_version >= 3.0.0" in shown.stdout and "otherwise" in shown.stdout
    assert [c["name"] for c in cli.json("config", "cohort", "list", *APP_ARGS)] == ["tier"]
    root = tmp_path / "bundle"
    root.mkdir()
    (root / "index.android.bundle").write_bytes(b"bundle")
    version = cli.json("push", str(root), *APP_ARGS, "--index", "index.android.bundle")["version"]
    cli.ok("release", "create", str(version), *APP_ARGS)
    flip = cli.json(
        "release",
        "create",
        *APP_ARGS,
        "--target",
        "tier=v3",
        "--property",
        "dark_mode=true",
        "--start",
        "--rollout",
        "100",
    )
    assert flip["package"]["version"] == version
    cli.ok("release", "conclude", str(flip["id"]), *APP_ARGS)
    properties = served_properties(server, f"{ORG}/{APP}", "app_version=3.0.1")
    assert properties == {"dark_mode": True, "retries": 3}
    failed = cli.fails(
        1, "release", "create", *APP_ARGS, "--target", "tier=v3", "--property", "retries=-1"
    )
    assert "invalid_property_value" in failed.stderr
    cli.fails(1, "config", "cohort", "delete", "tier", "--yes", *APP_ARGS)  # targeted
    explained = cli.ok("release", "explain", *APP_ARGS, "--context", "app_version=3.2.0").stdout
    assert "cohort: tier = v3" in explained
    assert f"dark_mode = true  (release {flip['id']})" in explained
    assert "retries = 3  (default)" in explained


def test_experiment_commands(admin: Cli, server: Server, tmp_path: Path) -> None:
    cli = admin
    cli.ok("org", "create", "labs")
    cli.ok("app", "create", "exp", "--org", "labs")
    args = ("--org", "labs", "--app", "exp")
    cli.ok("config", "schema", "set", _write(tmp_path / "s.json", SCHEMA), *args)
    root = tmp_path / "bundle"
    root.mkdir()
    (root / "index.android.bundle").write_bytes(b"exp bundle")
    version = cli.json("push", str(root), *args, "--index", "index.android.bundle")["version"]
    cli.ok("release", "create", str(version), *args)
    body = {
        "package_version": version,
        "variants": [
            {"name": "control", "percentage": 50},
            {"name": "dark", "percentage": 50, "properties": {"dark_mode": True}},
        ],
    }
    made = cli.json("experiment", "create", _write(tmp_path / "e.json", body), "--start", *args)
    assert made["status"] == "in_progress" and len(made["variants"]) == 2
    shown = cli.ok("experiment", "shares", str(made["id"]), "control=30", "dark=70", *args).stdout
    assert "30%" in shown and "70%" in shown
    failed = cli.fails(1, "experiment", "shares", str(made["id"]), "control=30", "dark=60", *args)
    assert "invalid_variants" in failed.stderr
    report = cli.json("experiment", "report", str(made["id"]), *args)
    assert [v["name"] for v in report] == ["control", "dark"]
    cli.ok("experiment", "conclude", str(made["id"]), "dark", *args)
    assert served_properties(server, "labs/exp", "")["dark_mode"] is True


def served_properties(server: Server, path: str, dimensions: str) -> dict[str, object]:
    """The config.properties a device gets, once the server's snapshot has caught up (the
    watcher notices a change within about a second)."""
    deadline = time.monotonic() + 20
    while True:
        answer = httpx.get(
            f"{server.url}/release/{path}",
            headers={"x-dimension": dimensions, "cache-control": "no-cache"},
            timeout=10,
        )
        properties: dict[str, object] = answer.json()["config"]["properties"]
        if properties.get("dark_mode") or time.monotonic() > deadline:
            return properties
        time.sleep(0.1)
