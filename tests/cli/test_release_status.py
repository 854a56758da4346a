"""`tradewind release status` and `tradewind app adoption` against a real server whose device
checks are counted by the server itself (flushed in the background)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fixtures.cli import Cli, Server

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("cli-release-status"), pytest.mark.once]

ORG, APP = "acme", "shop"
APP_ARGS = ("--org", ORG, "--app", APP)


def check(server: Server, running: str, toss: str | None) -> str:
    """One Airborne update check; returns the package version served."""
    answer = httpx.get(
        f"{server.url}/release/{ORG}/{APP}",
        params={"toss": toss} if toss else None,
        headers={"x-package-version": running, "cache-control": "no-cache"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["package"]["version"])


def wait_for_version(server: Server, version: str) -> None:
    deadline = time.monotonic() + 20
    while check(server, "0", None) != version:
        assert time.monotonic() < deadline, f"the server never served {version}"
        time.sleep(0.1)


def status_once(cli: Cli, release_id: int, checks: int) -> dict[str, Any]:
    """`release status --json` once the server flushed at least `checks` checks of it."""
    deadline = time.monotonic() + 30
    while True:
        status: dict[str, Any] = cli.json("release", "status", str(release_id), *APP_ARGS)
        if status["health"]["checks"] >= checks:
            return status
        assert time.monotonic() < deadline, f"checks never counted: {status}"
        time.sleep(0.2)


def push(cli: Cli, root: Path, content: bytes) -> int:
    root.mkdir()
    (root / "index.android.bundle").write_bytes(content)
    pushed = cli.json("push", str(root), *APP_ARGS, "--index", "index.android.bundle")
    return int(pushed["version"])


def test_release_status_and_adoption(admin: Cli, server: Server, tmp_path: Path) -> None:
    cli = admin
    cli.ok("org", "create", ORG)
    cli.ok("app", "create", APP, "--org", ORG)
    push(cli, tmp_path / "v1", b"v1()")
    baseline = cli.json("release", "create", "1", *APP_ARGS)
    push(cli, tmp_path / "v2", b"v2()")
    release = cli.json("release", "create", "2", *APP_ARGS, "--rollout", "100", "--start")
    assert release["status"] == "in_progress"
    wait_for_version(server, "1")  # devices without an identifier stay on the baseline
    # Identified devices on a 100% rollout get version 2; three of them already run it.
    served = {check(server, "2" if n < 3 else "1", f"device-{n}") for n in range(5)}
    assert served == {"2"}
    check(server, "1", None)

    status = status_once(cli, release["id"], 5)
    health = status["health"]
    assert status["release"]["id"] == release["id"]
    assert (health["checks"], health["devices"]) == (5, 5)
    assert health["anonymous_checks"] == 0  # the anonymous check was served the baseline
    assert health["devices_running"] == 3
    assert health["baseline"]["release_id"] == baseline["id"]
    assert health["figures"]["trials"] == 0
    assert status["guard"] is None or status["guard"]["release_id"] == release["id"]

    human = cli.ok("release", "status", str(release["id"]), *APP_ARGS).stdout
    assert f"Release {release['id']}: in_progress at 100%" in human
    assert "devices on package 2" in human
    assert f"release {baseline['id']} (package 1, concluded)" in human
    assert "no installs or failures reported yet" in human

    adoption = cli.json("app", "adoption", *APP_ARGS)
    assert adoption["span"] == "hour"
    versions = {v["package_version"]: v for v in adoption["versions"]}
    assert versions["2"]["total_devices"] == 3
    assert versions["1"]["total_devices"] == 2
    assert adoption["anonymous_checks"] >= 1
    table = cli.ok("app", "adoption", *APP_ARGS, "--span", "minute").stdout
    assert "Package versions" in table
    assert "Devices per bucket" in table


def test_bad_adoption_window_is_refused(admin: Cli) -> None:
    admin.ok("org", "create", "other")
    admin.ok("app", "create", "app", "--org", "other")
    refused = admin.fails(
        1,
        "app",
        "adoption",
        "--org",
        "other",
        "--app",
        "app",
        "--since",
        "2026-01-02",
        "--until",
        "2026-01-01",
        "--json",
    )
    assert refused.error["code"] == "invalid_time_range"


def test_status_of_an_unknown_release(admin: Cli) -> None:
    admin.ok("org", "create", "third")
    admin.ok("app", "create", "app", "--org", "third")
    refused = admin.fails(1, "release", "status", "42", "--org", "third", "--app", "app", "--json")
    assert refused.error["code"] == "release_not_found"
