"""org, app, member, token and dimension commands against a real server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fixtures.cli import Cli
from fixtures.servers import ADMIN_PASSWORD, Server

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("cli-resources"), pytest.mark.once]


def create_user(server: Server, admin: Cli, email: str) -> None:
    token = json.loads((admin.config_dir / "config.json").read_text())["profiles"]["default"]
    answer = httpx.post(
        f"{server.url}/api/v1/users",
        json={"email": email, "password": ADMIN_PASSWORD, "display_name": "Dev"},
        headers={"Authorization": f"Bearer {token['token']}"},
    )
    assert answer.status_code == 201, answer.text


def signed_in(server: Server, tmp_path: Path, email: str) -> Cli:
    cli = Cli(tmp_path / email)
    cli.ok(
        "login",
        "--server",
        server.url,
        "--email",
        email,
        "--password-stdin",
        input=ADMIN_PASSWORD + "\n",
    )
    return cli


def test_orgs_and_apps(admin: Cli) -> None:
    org = admin.json("org", "create", "res-org", "--display-name", "Resources Inc")
    assert (org["name"], org["display_name"]) == ("res-org", "Resources Inc")
    assert "res-org" in [o["name"] for o in admin.json("org", "list")]
    assert admin.json("org", "show", "res-org")["display_name"] == "Resources Inc"
    assert "Resources Inc" in admin.ok("org", "list").stdout

    app = admin.json("app", "create", "web", "--org", "res-org", "--identifier-dimension", "device")
    assert app["identifier_dimension"] == "device"
    admin.ok("app", "create", "ios", "-o", "res-org", "--display-name", "iOS app")
    assert [a["name"] for a in admin.json("app", "list", "--org", "res-org")] == ["ios", "web"]
    assert "identifier dimension  device" in admin.ok("app", "show", "web", "-o", "res-org").stdout
    updated = admin.json(
        "app", "update", "web", "-o", "res-org", "--channel-dimension", "releaseChannel"
    )
    assert (updated["channel_dimension"], updated["identifier_dimension"]) == (
        "releaseChannel",
        "device",
    )
    cleared = admin.json("app", "update", "web", "-o", "res-org", "--identifier-dimension", "")
    assert cleared["identifier_dimension"] is None
    assert admin.fails(2, "app", "update", "web", "-o", "res-org").stderr.startswith(
        "error: nothing_to_change"
    )

    duplicate = admin.fails(1, "app", "create", "web", "--org", "res-org", "--json")
    assert duplicate.error["code"] == "application_exists"
    invalid = admin.fails(1, "org", "create", "Bad_Name", "--json")
    assert invalid.error["code"] == "validation_failed"
    assert invalid.stdout == ""
    human = admin.fails(1, "org", "create", "Bad_Name")
    assert human.stderr.startswith("error: validation_failed: the request is invalid\n  body.name:")

    deleted = admin.json("app", "delete", "ios", "--org", "res-org", "--yes")
    assert deleted == {"deleted": "application", "org": "res-org", "name": "ios"}
    assert admin.fails(1, "app", "show", "ios", "-o", "res-org", "--json").error["code"] == (
        "application_not_found"
    )
    admin.ok("org", "delete", "res-org", "--yes")
    assert "res-org" not in [o["name"] for o in admin.json("org", "list")]


def test_members_at_org_and_app_scope(admin: Cli, server: Server, tmp_path: Path) -> None:
    admin.ok("org", "create", "team")
    admin.ok("app", "create", "mobile", "--org", "team")
    create_user(server, admin, "dev@example.com")
    dev = signed_in(server, tmp_path, "dev@example.com")
    assert dev.fails(1, "org", "show", "team", "--json").error["code"] == "organisation_not_found"

    added = admin.json("member", "add", "dev@example.com", "--org", "team", "--role", "read")
    assert (added["email"], added["role"]) == ("dev@example.com", "read")
    assert dev.json("org", "show", "team")["name"] == "team"
    refused = dev.fails(1, "app", "create", "other", "--org", "team", "--json")
    assert refused.error["code"] == "insufficient_role"

    changed = admin.json("member", "change", "dev@example.com", "--org", "team", "--role", "admin")
    assert changed["role"] == "admin"
    dev.ok("app", "create", "other", "--org", "team")
    roles = {m["email"]: m["role"] for m in admin.json("member", "list", "--org", "team")}
    assert roles == {"admin@example.com": "owner", "dev@example.com": "admin"}

    # The last owner cannot be downgraded (the server refuses, exit 1 with its code).
    last = admin.fails(
        1, "member", "change", "admin@example.com", "--org", "team", "--role", "read", "--json"
    )
    assert last.error["code"] == "last_owner"

    admin.ok("member", "remove", "dev@example.com", "--org", "team", "--yes")
    assert dev.fails(1, "org", "show", "team", "--json").error["code"] == "organisation_not_found"

    # Application scope: that application only.
    app_member = admin.json(
        "member", "add", "dev@example.com", "--org", "team", "--app", "mobile", "--role", "write"
    )
    assert app_member["role"] == "write"
    assert dev.json("app", "show", "mobile", "--org", "team")["name"] == "mobile"
    assert dev.fails(1, "app", "show", "other", "--org", "team", "--json").code == 1
    members = admin.json("member", "list", "--org", "team", "--app", "mobile")
    assert [m["email"] for m in members] == ["dev@example.com"]
    assert "dev@example.com" in admin.ok("member", "list", "-o", "team", "-a", "mobile").stdout
    owner = admin.fails(
        1,
        "member",
        "change",
        "dev@example.com",
        "-o",
        "team",
        "-a",
        "mobile",
        "-r",
        "owner",
        "--json",
    )
    assert owner.error["code"] == "validation_failed"
    admin.ok("member", "remove", "dev@example.com", "-o", "team", "-a", "mobile", "--yes")
    assert admin.json("member", "list", "--org", "team", "--app", "mobile") == []


def test_tokens(admin: Cli, server: Server) -> None:
    admin.ok("org", "create", "tok-org")
    created = admin.json(
        "token",
        "create",
        "deploy",
        "--org",
        "tok-org",
        "--max-role",
        "write",
        "--expires-in-days",
        "7",
    )
    assert (created["org"], created["max_role"]) == ("tok-org", "write")
    assert created["expires_at"] is not None
    secret = created["token"]
    listed = {t["id"]: t for t in admin.json("token", "list")}
    assert listed[created["id"]]["prefix"] in secret
    assert "token" not in listed[created["id"]]
    assert secret not in admin.ok("token", "list").stdout

    human = admin.ok("token", "create", "shown-once").stdout
    assert "only time the token is shown" in human
    assert "twt_" in human

    env = {"TRADEWIND_SERVER": server.url, "TRADEWIND_TOKEN": secret}
    assert admin("org", "show", "tok-org", "--json", env=env).code == 0
    restricted = admin("org", "create", "tok-other", "--json", env=env)
    assert restricted.code == 1, str(restricted)

    assert admin.json("token", "revoke", str(created["id"]), "--yes") == {"revoked": created["id"]}
    revoked = admin("org", "show", "tok-org", "--json", env=env)
    assert (revoked.code, revoked.error["code"]) == (1, "token_revoked")
    assert admin.fails(1, "token", "revoke", "999999", "--yes", "--json").error["code"] == (
        "token_not_found"
    )
    assert admin.fails(2, "token", "create", "x", "--app", "a").stderr.startswith(
        "error: missing_org"
    )


def test_dimensions(admin: Cli) -> None:
    admin.ok("org", "create", "dim-org")
    admin.ok("app", "create", "app", "--org", "dim-org")
    args = ("--org", "dim-org", "--app", "app")
    admin.ok("dimension", "create", "os", *args)
    admin.ok("dimension", "create", "app-version", *args, "--type", "semver")
    country = admin.json(
        "dimension", "create", "country", *args, "--position", "0", "--description", "ISO code"
    )
    assert (country["position"], country["weight"]) == (0, 1)
    names = [d["name"] for d in admin.json("dimension", "list", *args)]
    assert names == ["country", "os", "app-version"]

    moved = admin.json("dimension", "move", "country", "2", *args)
    assert moved["position"] == 2
    assert [d["name"] for d in admin.json("dimension", "list", *args)] == [
        "os",
        "app-version",
        "country",
    ]
    assert "country" in admin.ok("dimension", "move", "country", "2", *args).stdout
    out_of_range = admin.fails(1, "dimension", "move", "os", "9", *args, "--json")
    assert out_of_range.error["code"] == "invalid_position"

    admin.ok("dimension", "delete", "os", *args, "--yes")
    assert [d["name"] for d in admin.json("dimension", "list", *args)] == ["app-version", "country"]
    gone = admin.fails(1, "dimension", "delete", "os", *args, "--yes", "--json")
    assert gone.error["code"] == "dimension_not_found"
