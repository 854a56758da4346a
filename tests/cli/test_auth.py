"""login / logout / whoami / profiles, the config file, and the exit codes of failures."""

from __future__ import annotations

import importlib.util
import json
import stat
from pathlib import Path

import pytest
from fixtures.cli import Cli
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD, Server, free_port

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("cli-auth"), pytest.mark.once]


def config_file(cli: Cli) -> dict[str, object]:
    return dict(json.loads((cli.config_dir / "config.json").read_text()))


def test_login_with_password_saves_a_private_profile(cli: Cli, server: Server) -> None:
    result = cli.json(
        "login",
        "--server",
        server.url + "/",
        "--email",
        ADMIN_EMAIL,
        "--password-stdin",
        input=ADMIN_PASSWORD + "\n",
    )
    assert result["email"] == ADMIN_EMAIL
    assert result["server"] == server.url  # trailing slash normalised away
    assert result["profile"] == "default"
    assert "token" not in result

    path = cli.config_dir / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.config_dir.stat().st_mode) == 0o700
    profile = config_file(cli)["profiles"]["default"]  # type: ignore[index]
    assert profile["token"].startswith("tws_")
    assert profile["kind"] == "session"

    me = cli.json("whoami")
    assert me["user"]["email"] == ADMIN_EMAIL
    assert me["credentials_from"] == "profile"
    human = cli.ok("whoami").stdout
    assert ADMIN_EMAIL in human and server.url in human


def test_email_and_password_from_stdin_without_flags(cli: Cli, server: Server) -> None:
    cli.ok("login", "--server", server.url, input=f"{ADMIN_EMAIL}\n{ADMIN_PASSWORD}\n")
    assert cli.json("whoami")["user"]["email"] == ADMIN_EMAIL
    first = config_file(cli)["profiles"]["default"]["token"]  # type: ignore[index]

    # Signing in again to the same profile ends the session it replaces.
    cli.ok("login", input=f"{ADMIN_EMAIL}\n{ADMIN_PASSWORD}\n")  # server from the profile
    assert config_file(cli)["profiles"]["default"]["token"] != first  # type: ignore[index]
    env = {"TRADEWIND_SERVER": server.url, "TRADEWIND_TOKEN": first}
    assert cli("whoami", "--json", env=env).error["code"] == "token_revoked"


def test_wrong_password_is_refused_and_saves_nothing(cli: Cli, server: Server) -> None:
    result = cli.fails(
        1,
        "login",
        "--server",
        server.url,
        "--email",
        ADMIN_EMAIL,
        "--password-stdin",
        input="not-the-password\n",
    )
    assert "error: invalid_credentials:" in result.stderr
    assert not (cli.config_dir / "config.json").exists()


def test_api_token_profile_and_default_switching(admin: Cli, server: Server) -> None:
    created = admin.json("token", "create", "laptop-ci")
    token = created["token"]
    assert token.startswith("twt_")

    ci = admin.json("login", "--server", server.url, "--token", token, "--profile", "ci")
    assert ci == {
        "profile": "ci",
        "server": server.url,
        "email": ADMIN_EMAIL,
        "kind": "api_token",
        "config_file": str(admin.config_dir / "config.json"),
    }
    assert admin.json("whoami", "--profile", "ci")["profile"] == "ci"
    profiles = {p["name"]: p for p in admin.json("profile", "list")}
    assert profiles["default"]["default"] is True
    assert profiles["ci"] == {
        "name": "ci",
        "server": server.url,
        "email": ADMIN_EMAIL,
        "kind": "api_token",
        "default": False,
    }
    assert token not in admin.ok("profile", "list").stdout

    admin.ok("profile", "use", "ci")
    assert admin.json("whoami")["profile"] == "ci"
    chosen = admin("whoami", "--json", env={"TRADEWIND_PROFILE": "default"})
    assert chosen.json["profile"] == "default"
    assert admin.fails(2, "profile", "use", "nope").stderr.startswith("error: unknown_profile")

    # Logging out of an API-token profile forgets it locally; the token itself stays valid.
    admin.ok("logout", "--profile", "ci")
    env = {"TRADEWIND_SERVER": server.url, "TRADEWIND_TOKEN": token}
    assert admin("whoami", "--json", env=env).code == 0


def test_token_read_from_stdin(admin: Cli, server: Server, tmp_path: Path) -> None:
    token = admin.json("token", "create", "stdin-token")["token"]
    other = Cli(tmp_path / "other")
    other.ok("login", "--server", server.url, "--token", "-", input=token + "\n")
    assert other.json("whoami")["user"]["email"] == ADMIN_EMAIL


def test_environment_credentials_need_no_profile(
    admin: Cli, server: Server, tmp_path: Path
) -> None:
    token = admin.json("token", "create", "env")["token"]
    bare = Cli(tmp_path / "empty-config")
    env = {"TRADEWIND_SERVER": server.url, "TRADEWIND_TOKEN": token}
    me = bare("whoami", "--json", env=env)
    assert me.code == 0, str(me)
    assert me.json["credentials_from"] == "environment"
    assert not (tmp_path / "empty-config").exists()


def test_logout_ends_the_session_on_the_server(admin: Cli, server: Server) -> None:
    token = config_file(admin)["profiles"]["default"]["token"]  # type: ignore[index]
    assert admin.json("logout") == {
        "profile": "default",
        "server": server.url,
        "session_ended": True,
    }
    assert "default" not in config_file(admin)["profiles"]  # type: ignore[operator]
    env = {"TRADEWIND_SERVER": server.url, "TRADEWIND_TOKEN": token}
    refused = admin("org", "list", "--json", env=env)
    assert refused.code == 1
    assert refused.error["code"] == "token_revoked"
    assert admin.fails(2, "logout").stderr.startswith("error: not_logged_in")


def test_wrong_token_exits_1_with_the_server_error_code(cli: Cli, server: Server) -> None:
    env = {"TRADEWIND_SERVER": server.url, "TRADEWIND_TOKEN": "twt_not-a-real-token"}
    human = cli("org", "list", env=env)
    assert human.code == 1
    assert human.stderr.startswith("error: invalid_token: ")
    assert human.stdout == ""
    scripted = cli("org", "list", "--json", env=env)
    assert scripted.code == 1
    assert scripted.error["code"] == "invalid_token"
    assert scripted.stdout == ""
    refused = cli("login", "--server", server.url, "--token", "twt_nope", "--json")
    assert refused.code == 1 and refused.error["code"] == "invalid_token"
    assert not (cli.config_dir / "config.json").exists()


def test_unreachable_server_exits_3(cli: Cli) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = cli("org", "list", env={"TRADEWIND_SERVER": url, "TRADEWIND_TOKEN": "twt_x"})
    assert result.code == 3, str(result)
    assert result.stderr.startswith(f"error: unreachable: cannot reach {url}")
    assert "Traceback" not in result.stderr
    login = cli("login", "--server", url, "--token", "twt_x", "--json")
    assert login.code == 3 and login.error["code"] == "unreachable"
    unknown_host = cli(
        "whoami", env={"TRADEWIND_SERVER": "http://nohost.invalid", "TRADEWIND_TOKEN": "x"}
    )
    assert unknown_host.code == 3, str(unknown_host)


@pytest.mark.parametrize(
    "args",
    [
        ["org", "list"],  # not logged in
        ["login", "--server", "ftp://example.com", "--token", "x"],
        ["login", "--token", "x"],  # no server for a new profile
        ["login", "--server", "http://127.0.0.1:9", "--token", "x", "--sso"],
        ["no-such-command"],
        ["org", "create"],  # missing argument
        ["org", "list", "--no-such-option"],
        ["release", "ramp", "abc", "10", "--org", "o", "--app", "a"],
        ["release", "ramp", "1", "101", "--org", "o", "--app", "a"],
        ["release", "list", "--org", "o"],  # missing --app
        ["release", "list", "--org", "o", "--app", "a", "--status", "bogus"],
        ["member", "add", "x@example.com", "--org", "o", "--role", "boss"],
        ["dimension", "create", "d", "--org", "o", "--app", "a", "--type", "number"],
        ["push", "/definitely/not/here", "--org", "o", "--app", "a", "--index", "i"],
    ],
)
def test_invalid_arguments_exit_2(cli: Cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.code == 2, str(result)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_sso_without_a_provider_is_a_usage_error(cli: Cli, server: Server) -> None:
    # This server has no OIDC provider configured; without the SSO module the hook says so too.
    result = cli.fails(2, "login", "--server", server.url, "--sso", "--json")
    assert result.error["code"] == "sso_unavailable"
    if importlib.util.find_spec("tradewind.cli.sso") is None:
        assert result.error["message"] == "SSO sign-in not available"
    assert not (cli.config_dir / "config.json").exists()


def test_corrupt_config_file_is_a_usage_error(cli: Cli) -> None:
    cli.config_dir.mkdir(parents=True)
    (cli.config_dir / "config.json").write_text("{not json")
    result = cli.fails(2, "whoami")
    assert result.stderr.startswith("error: config_unreadable:")


def test_delete_asks_for_confirmation_when_not_interactive(admin: Cli) -> None:
    admin.ok("org", "create", "keep-me")
    refused = admin.fails(2, "org", "delete", "keep-me")
    assert "--yes" in refused.stderr
    assert admin.json("org", "show", "keep-me")["name"] == "keep-me"
    admin.ok("org", "delete", "keep-me", "--yes")
    assert admin("org", "show", "keep-me", "--json").error["code"] == "organisation_not_found"
