"""login, logout, whoami and the `profile` group."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any, cast

import typer

from tradewind.cli import config
from tradewind.cli.client import API, ApiClient
from tradewind.cli.commands.common import JsonOpt, ProfileOpt, connect, handled, out
from tradewind.cli.errors import ServerRefused, Unreachable, UsageProblem
from tradewind.cli.output import fields, table

profile_app = typer.Typer(
    help="List login profiles and choose the default one.", no_args_is_help=True
)

SsoLogin = Callable[[str, str | None], str]


@handled
def login(
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            "-s",
            help="Server URL, e.g. https://ota.example.com "
            "(default: $TRADEWIND_SERVER, else the profile's server).",
            show_default=False,
        ),
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Account email (prompted when missing).", show_default=False)
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of stdin instead of prompting.",
        ),
    ] = False,
    token: Annotated[
        str | None,
        typer.Option(
            help="Sign in with an API token (twt_…) instead of a password; '-' reads stdin.",
            show_default=False,
        ),
    ] = None,
    sso: Annotated[
        bool, typer.Option("--sso", help="Sign in through single sign-on (OIDC) in a browser.")
    ] = False,
    provider: Annotated[
        str | None,
        typer.Option(
            help="SSO provider, when the server offers several (with --sso).", show_default=False
        ),
    ] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sign in to a Tradewind server and save the credentials in a profile.

    With email and password (prompted), an API token (--token), or single sign-on (--sso).
    The credentials file is private to you (mode 0600). The first profile becomes the default.
    """
    if sum((token is not None, sso, email is not None or password_stdin)) > 1:
        raise UsageProblem(
            "conflicting_options", "choose one of --token, --sso, or --email/--password-stdin"
        )
    name = config.profile_name(profile)
    cfg = config.load()
    url = config.normalise_server(_login_server(server, cfg.profiles.get(name)))
    if token is not None:
        secret = sys.stdin.readline().strip() if token == "-" else token.strip()
        kind: config.TokenKind = "session" if secret.startswith("tws_") else "api_token"
    elif sso:
        secret, kind = _sso_login(url, provider), "sso"
    else:
        secret, kind = _password_login(url, email, password_stdin), "session"
    if not secret:
        raise UsageProblem("empty_token", "the token is empty")
    with ApiClient(url, secret) as client:
        me = client.get(f"{API}/me")
    if not cfg.profiles:
        cfg.default_profile = name
    previous = cfg.profiles.get(name)
    cfg.profiles[name] = config.Profile(server=url, token=secret, kind=kind, email=me["email"])
    path = config.save(cfg)
    if previous and previous.kind != "api_token" and previous.token != secret:
        _end_session(previous, lambda _: None)  # do not leave the replaced session valid
    result = {"profile": name, "server": url, "email": me["email"], "kind": kind}
    out(as_json).result(
        {**result, "config_file": str(path)},
        f"Logged in to {url} as {me['email']} (profile '{name}').",
    )


def _login_server(explicit: str | None, stored: config.Profile | None) -> str:
    server = explicit or os.environ.get(config.ENV_SERVER) or (stored.server if stored else None)
    if not server:
        raise UsageProblem("missing_server", "--server URL is required for a new profile")
    return server


def _password_login(server: str, email: str | None, from_stdin: bool) -> str:
    interactive = sys.stdin.isatty() and not from_stdin
    if email is None:
        email = typer.prompt("Email") if interactive else sys.stdin.readline().strip()
    if interactive:
        password = typer.prompt("Password", hide_input=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not email or not password:
        raise UsageProblem("missing_credentials", "email and password are required")
    with ApiClient(server, None) as client:
        answer = client.post(f"{API}/auth/login", {"email": email, "password": password})
    return str(answer["token"])


def _sso_login(server: str, provider: str | None) -> str:
    """Delegate to `tradewind.cli.sso.sso_login(server, provider) -> session token`."""
    try:
        module = importlib.import_module("tradewind.cli.sso")
    except ModuleNotFoundError as exc:
        if exc.name != "tradewind.cli.sso":
            raise
        raise UsageProblem("sso_unavailable", "SSO sign-in not available") from exc
    sso_login = cast(SsoLogin, module.sso_login)
    return sso_login(server, provider)


@handled
def logout(profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Sign out: end the session on the server and forget the profile's credentials.

    An API token is only forgotten locally (revoke it with `tradewind token revoke`). When the
    server cannot be reached the credentials are still forgotten, with a warning.
    """
    name = config.profile_name(profile)
    cfg = config.load()
    stored = cfg.profiles.get(name)
    if stored is None:
        raise UsageProblem("not_logged_in", f"profile '{name}' is not logged in")
    output = out(as_json)
    ended = stored.kind != "api_token" and _end_session(stored, output.warn)
    del cfg.profiles[name]
    config.save(cfg)
    output.result(
        {"profile": name, "server": stored.server, "session_ended": ended},
        f"Logged out of {stored.server} (profile '{name}').",
    )


def _end_session(stored: config.Profile, warn: Callable[[str], None]) -> bool:
    try:
        with ApiClient(stored.server, stored.token) as client:
            client.post(f"{API}/auth/logout")
    except Unreachable as exc:
        warn(f"{exc.message}; the session stays valid on the server until it expires")
        return False
    except ServerRefused as exc:
        if exc.status != 401:  # 401: already expired or revoked, nothing to end
            warn(f"the server refused to end the session: {exc.code}: {exc.message}")
        return False
    return True


@handled
def whoami(profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Show who the current credentials belong to, on which server."""
    credentials = config.credentials(profile)
    with connect(profile) as client:
        me: dict[str, Any] = client.get(f"{API}/me")
    result = {
        "profile": credentials.profile,
        "server": credentials.server,
        "credentials_from": credentials.source,
        "user": me,
    }
    out(as_json).result(
        result,
        fields(
            [
                ("email", me.get("email")),
                ("name", me.get("display_name") or None),
                ("site admin", me.get("is_site_admin")),
                ("server", credentials.server),
                ("profile", credentials.profile),
                ("credentials", credentials.source),
            ]
        ),
    )


@profile_app.command("list")
@handled
def profile_list(as_json: JsonOpt = False) -> None:
    """List saved profiles (tokens are never shown)."""
    cfg = config.load()
    rows = [
        {
            "name": name,
            "server": p.server,
            "email": p.email,
            "kind": p.kind,
            "default": name == cfg.default_profile,
        }
        for name, p in sorted(cfg.profiles.items())
    ]
    output = out(as_json)
    if not rows and not as_json:
        output.note("No profiles: run `tradewind login --server URL`.")
        return
    output.result(
        rows,
        table(
            ["", "profile", "server", "email", "kind"],
            [
                ("*" if r["default"] else "", r["name"], r["server"], r["email"], r["kind"])
                for r in rows
            ],
        ),
    )


@profile_app.command("use")
@handled
def profile_use(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Profile to use when --profile is not given.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Make a saved profile the default one."""
    cfg = config.load()
    if name not in cfg.profiles:
        known = ", ".join(sorted(cfg.profiles)) or "none"
        raise UsageProblem("unknown_profile", f"no profile '{name}' (saved profiles: {known})")
    cfg.default_profile = name
    config.save(cfg)
    out(as_json).result({"default_profile": name}, f"Default profile is now '{name}'.")


def register(app: typer.Typer) -> None:
    panel = "Sign in"
    app.command(rich_help_panel=panel)(login)
    app.command(rich_help_panel=panel)(logout)
    app.command(rich_help_panel=panel)(whoami)
    app.add_typer(profile_app, name="profile", rich_help_panel=panel)
