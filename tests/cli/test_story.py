"""The release engineer's story, end to end through the CLI against a real server process:
login, org and app, dimensions, push, a targeted release, ramp, explain, pause, conclude,
roll back — checking after each step what devices are served."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fixtures.cli import Cli
from fixtures.servers import Server

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("cli-story"), pytest.mark.once]

ORG, APP = "acme", "shop"
APP_ARGS = ("--org", ORG, "--app", APP)
ANDROID_2 = "app-version=2.1.0;os=android"  # what the Android SDK sends in x-dimension


def write_bundle(root: Path, index: bytes) -> Path:
    files = {
        "index.android.bundle": index,
        "chunks/home.js": b"home()",
        "assets/img/card.png": bytes(range(256)) * 16,
    }
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    return root


def served(server: Server, dimensions: str = "", toss: str | None = None) -> dict[str, Any]:
    """The device document, once the server's snapshot has caught up (poll, no timing claim)."""
    url = f"{server.url}/release/{ORG}/{APP}"
    answer = httpx.get(
        url,
        params={"toss": toss} if toss else None,
        headers={"x-dimension": dimensions},
        timeout=10,
    )
    ok = answer.status_code == 200  # errors are plain text with x-tradewind-error
    return {"status": answer.status_code, "body": answer.json() if ok else answer.text}


def wait_for(
    server: Server, version: str, dimensions: str = "", toss: str | None = None
) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        document = served(server, dimensions, toss)
        if document["status"] == 200 and document["body"]["package"]["version"] == version:
            return dict(document["body"])
        if time.monotonic() > deadline:
            raise AssertionError(
                f"devices ({dimensions!r}, {toss!r}) never got {version}: {document}"
            )
        time.sleep(0.1)


def api(server: Server, cli: Cli) -> httpx.Client:
    profile = json.loads((cli.config_dir / "config.json").read_text())["profiles"]["default"]
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {profile['token']}"}
    )


def devices_by_rollout(server: Server, cli: Cli, release_id: int) -> tuple[str, str]:
    """One device identifier inside release `release_id`'s rollout and one outside it."""
    inside = outside = None
    with api(server, cli) as client:
        for n in range(200):
            body = {"context": {"os": "android", "app-version": "2.1.0"}, "identifier": f"d{n}"}
            answer = client.post(f"/api/v1/orgs/{ORG}/apps/{APP}/releases/explain", json=body)
            verdict = next(c for c in answer.json()["candidates"] if c["release_id"] == release_id)
            if verdict["in_rollout"]:
                inside = inside or f"d{n}"
            else:
                outside = outside or f"d{n}"
            if inside and outside:
                return inside, outside
    raise AssertionError("no device on each side of the rollout")


def test_release_story(cli: Cli, server: Server, tmp_path: Path) -> None:
    cli.login_admin(server)
    cli.ok("org", "create", ORG, "--display-name", "Acme")
    cli.ok("app", "create", APP, "--org", ORG)
    cli.ok("dimension", "create", "os", *APP_ARGS)
    semver = cli.json("dimension", "create", "app-version", "--type", "semver", *APP_ARGS)
    assert semver["position"] == 1 and semver["type"] == "semver"

    # No release yet: devices get a 404 that no SDK reads as a document.
    assert served(server)["status"] == 404

    v1 = write_bundle(tmp_path / "v1", b"console.log('v1');")
    assert (
        cli.json("push", str(v1), *APP_ARGS, "--index", "index.android.bundle", "--lazy", "*.png")[
            "version"
        ]
        == 1
    )
    (tmp_path / "props.json").write_text('{"theme": "light", "limits": {"max": 3}}')
    base = cli.json(
        "release",
        "create",
        "1",
        *APP_ARGS,
        "--properties",
        str(tmp_path / "props.json"),
        "--boot-timeout",
        "4000",
        "--notes",
        "baseline",
    )
    assert base["status"] == "concluded"  # the first release is live for everyone at once
    document = wait_for(server, "1", ANDROID_2)
    assert document["config"]["boot_timeout"] == 4000
    assert document["config"]["properties"] == {"theme": "light", "limits": {"max": 3}}
    index = document["package"]["index"]
    assert index["checksum"] == hashlib.sha256(b"console.log('v1');").hexdigest()
    assert index["url"].startswith("http")
    assert [f["file_path"] for f in document["package"]["lazy"]] == ["assets/img/card.png"]

    # Version 2 of the bundle: only the changed index travels.
    v2 = write_bundle(tmp_path / "v2", b"console.log('v2');")
    pushed = cli.json(
        "push", str(v2), *APP_ARGS, "--index", "index.android.bundle", "--lazy", "*.png"
    )
    assert (pushed["version"], pushed["uploaded"]) == (2, ["index.android.bundle"])

    created = cli.json(
        "release",
        "create",
        "2",
        *APP_ARGS,
        "--target",
        "os=android",
        "--target",
        "app-version=>=2.0.0 <3.0.0",
        "--rollout",
        "10",
        "--property",
        "theme=dark",
        "--property",
        "beta=true",
    )
    rid = created["id"]
    assert created["status"] == "created"
    assert sorted(created["target"], key=lambda c: c["dimension"]) == [
        {"dimension": "app-version", "op": "semver", "values": [">=2.0.0 <3.0.0"]},
        {"dimension": "os", "op": "eq", "values": ["android"]},
    ]
    assert created["config"]["properties"] == {"theme": "dark", "beta": True}

    ramped = cli.json("release", "ramp", str(rid), "50", *APP_ARGS)
    assert (ramped["status"], ramped["percentage"]) == ("in_progress", 50.0)
    inside, outside = devices_by_rollout(server, cli, rid)

    explained = cli.json(
        "release",
        "explain",
        *APP_ARGS,
        "--context",
        "os=android",
        "--context",
        "app-version=2.1.0",
        "--id",
        inside,
    )
    assert explained["winner"] == rid
    assert explained["identifier"] == inside
    assert (
        cli.json(
            "release",
            "explain",
            *APP_ARGS,
            "--context",
            "os=android",
            "--context",
            "app-version=2.1.0",
            "--id",
            outside,
        )["winner"]
        == base["id"]
    )
    ios = cli.json("release", "explain", *APP_ARGS, "--context", "os=ios", "--id", inside)
    assert ios["winner"] == base["id"]
    failed = next(c for c in ios["candidates"] if c["release_id"] == rid)
    assert failed["matched"] is False
    human = cli.ok(
        "release",
        "explain",
        *APP_ARGS,
        "--context",
        "os=android",
        "--context",
        "app-version=2.1.0",
        "--id",
        inside,
    ).stdout
    assert f"Served: release {rid}" in human

    # What devices get while the release ramps.
    in_doc = wait_for(server, "2", ANDROID_2, toss=inside)
    assert in_doc["config"]["properties"] == {"theme": "dark", "beta": True}
    assert wait_for(server, "1", ANDROID_2, toss=outside)["package"]["version"] == "1"
    assert wait_for(server, "1", "app-version=3.0.0;os=android", toss=inside)
    assert wait_for(server, "1", "app-version=2.1.0;os=ios", toss=inside)
    assert wait_for(server, "1", ANDROID_2)  # no identifier: baseline until concluded

    assert cli.json("release", "pause", str(rid), *APP_ARGS)["status"] == "paused"
    wait_for(server, "1", ANDROID_2, toss=inside)
    assert cli.json("release", "resume", str(rid), *APP_ARGS)["status"] == "in_progress"
    wait_for(server, "2", ANDROID_2, toss=inside)

    concluded = cli.json("release", "conclude", str(rid), *APP_ARGS)
    assert concluded["status"] == "concluded"
    wait_for(server, "2", ANDROID_2)  # every matching device now, identifier or not
    wait_for(server, "1", "app-version=2.1.0;os=ios")

    # A bad version 3 reaches everyone on Android 2.x; roll back to release `rid`.
    v3 = write_bundle(tmp_path / "v3", b"console.log('v3 is broken');")
    cli.json("push", str(v3), *APP_ARGS, "--index", "index.android.bundle")
    bad = cli.json(
        "release",
        "create",
        "3",
        *APP_ARGS,
        "--target",
        "os=android",
        "--target",
        "app-version=>=2.0.0 <3.0.0",
        "--rollout",
        "100",
        "--start",
    )
    assert (bad["status"], bad["percentage"]) == ("in_progress", 100.0)
    cli.json("release", "conclude", str(bad["id"]), *APP_ARGS)
    wait_for(server, "3", ANDROID_2)

    restored = cli.json("release", "rollback", "--to", str(rid), *APP_ARGS, "--notes", "v3 crashes")
    assert restored["status"] == "concluded"
    assert restored["rolled_back_from_id"] == rid
    assert restored["package"]["version"] == 2
    document = wait_for(server, "2", ANDROID_2)
    assert document["config"]["properties"] == {"theme": "dark", "beta": True}
    statuses = {r["id"]: r["status"] for r in cli.json("release", "list", *APP_ARGS)}
    assert statuses[bad["id"]] == "superseded"
    shown = cli.json("release", "show", str(restored["id"]), *APP_ARGS)
    assert shown["history"][0]["action"].endswith("rollback")

    # Discard a release that never went out; refusals print the server's code (exit 1).
    ios_release = cli.json("release", "create", "2", *APP_ARGS, "--target", "os=ios")
    assert (
        cli.json("release", "discard", str(ios_release["id"]), *APP_ARGS)["status"] == "discarded"
    )
    again = cli.fails(1, "release", "discard", str(ios_release["id"]), *APP_ARGS, "--json")
    assert again.error["code"] == "invalid_transition"
    human_refusal = cli.fails(1, "release", "ramp", str(ios_release["id"]), "5", *APP_ARGS)
    assert human_refusal.stderr.startswith("error: invalid_transition: ")
    # A release on a channel no Airborne device can name is created, with a warning.
    beta = cli.ok("release", "create", "2", *APP_ARGS, "--channel", "beta")
    assert "warning: no device can get this release" in beta.stderr
    wait_for(server, "1", "app-version=2.1.0;os=ios")

    # Human output of the listing commands.
    listing = cli.ok("release", "list", *APP_ARGS).stdout
    assert "superseded" in listing and "os = android" in listing
    assert "History" in cli.ok("release", "show", str(rid), *APP_ARGS).stdout
