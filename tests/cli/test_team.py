"""`member invite|invitations|uninvite`, accepting the link, `passwd` and `--version`, against
a real server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fixtures.cli import Cli
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD, Server

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("cli-team"), pytest.mark.once]

NEW_PASSWORD = "a-brand-new-secret"


def test_invite_and_accept(admin: Cli, server: Server, tmp_path: Path) -> None:
    admin.ok("org", "create", "team-org")
    created = admin.json("member", "invite", "Ann@Example.com", "-o", "team-org", "-r", "write")
    assert created["email"] == "ann@example.com" and created["mailed"] is False
    assert created["url"].startswith(f"{server.url}/dashboard/invite/twv_")
    text = admin.ok("member", "invite", "bo@example.com", "-o", "team-org", "-r", "read").stdout
    assert "Invited bo@example.com to team-org as read." in text and "/dashboard/invite/" in text
    listed = admin.json("member", "invitations", "-o", "team-org")
    assert [(i["email"], i["role"]) for i in listed] == [
        ("bo@example.com", "read"),
        ("ann@example.com", "write"),
    ]
    admin.ok("member", "uninvite", str(listed[0]["id"]), "-o", "team-org")
    failed = admin.fails(1, "member", "uninvite", str(listed[0]["id"]), "-o", "team-org")
    assert failed.stderr.startswith("error: invitation_not_found: ")

    token = created["url"].rsplit("/", 1)[1]
    accepted = httpx.post(
        f"{server.url}/api/v1/invitations/accept",
        json={"token": token, "password": NEW_PASSWORD},
    )
    assert accepted.status_code == 200, accepted.text
    ann = Cli(tmp_path / "ann")
    ann.ok(
        "login",
        "--server",
        server.url,
        "--email",
        "ann@example.com",
        "--password-stdin",
        input=NEW_PASSWORD + "\n",
    )
    members = {m["email"]: m["role"] for m in ann.json("member", "list", "-o", "team-org")}
    assert members["ann@example.com"] == "write"


def test_passwd(server: Server, tmp_path: Path) -> None:
    cli = Cli(tmp_path / "admin")
    cli.login_admin(server)
    wrong = cli.fails(1, "passwd", "--password-stdin", input=f"not-it\n{NEW_PASSWORD}\n")
    assert wrong.stderr.startswith("error: wrong_password: ")
    mute = cli.fails(2, "passwd")
    assert mute.stderr.startswith("error: password_required: ")
    cli.ok("passwd", "--password-stdin", input=f"{ADMIN_PASSWORD}\n{NEW_PASSWORD}\n")
    assert cli.json("whoami")["user"]["email"] == ADMIN_EMAIL  # this session stays signed in
    old = httpx.post(
        f"{server.url}/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert old.status_code == 401
    # Put it back for the module's other tests.
    cli.ok("passwd", "--password-stdin", input=f"{NEW_PASSWORD}\n{ADMIN_PASSWORD}\n")


def test_version(cli: Cli) -> None:
    assert cli.ok("--version").stdout.startswith("tradewind ")
