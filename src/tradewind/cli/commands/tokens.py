"""`token`: personal API tokens for CI."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from tradewind.cli.client import API, seg
from tradewind.cli.commands.common import (
    JsonOpt,
    ProfileOpt,
    YesOpt,
    confirm,
    connect,
    handled,
    out,
)
from tradewind.cli.commands.members import RoleName
from tradewind.cli.errors import UsageProblem
from tradewind.cli.output import table

token_app = typer.Typer(
    help="Personal API tokens for CI (TRADEWIND_TOKEN): create, list, revoke.",
    no_args_is_help=True,
)


@token_app.command("create")
@handled
def token_create(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="A name to recognise the token by.", show_default=False
        ),
    ],
    org: Annotated[
        str | None,
        typer.Option(
            "--org", "-o", help="Restrict the token to this organisation.", show_default=False
        ),
    ] = None,
    app: Annotated[
        str | None,
        typer.Option(
            "--app",
            "-a",
            help="Restrict it further to this application (needs --org).",
            show_default=False,
        ),
    ] = None,
    max_role: Annotated[
        RoleName | None,
        typer.Option(help="Never act with more than this role.", show_default=False),
    ] = None,
    expires_in_days: Annotated[
        int | None,
        typer.Option(min=1, max=3650, help="Expire after this many days.", show_default=False),
    ] = None,
    expires_at: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"],
            help="Expire at this moment, with its zone (e.g. 2026-12-31T00:00:00+00:00).",
            show_default=False,
        ),
    ] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API token. The token is printed once: store it now (e.g. as a CI secret)."""
    if app is not None and org is None:
        raise UsageProblem("missing_org", "--app needs --org")
    if expires_at is not None and expires_in_days is not None:
        raise UsageProblem(
            "conflicting_options", "give --expires-at or --expires-in-days, not both"
        )
    body: dict[str, Any] = {
        "name": name,
        "org": org,
        "app": app,
        "max_role": max_role.value if max_role else None,
        "expires_in_days": expires_in_days,
        "expires_at": expires_at.isoformat() if expires_at else None,
    }
    with connect(profile) as client:
        created = client.post(f"{API}/tokens", {k: v for k, v in body.items() if v is not None})
    out(as_json).result(
        created,
        f"Created token {created['id']} '{created['name']}'{_scope_text(created)}.",
        "This is the only time the token is shown; store it now:",
        created["token"],
    )


def _scope_text(token: dict[str, Any]) -> str:
    parts = []
    if token.get("org"):
        parts.append("for " + "/".join(p for p in (token["org"], token.get("app")) if p))
    if token.get("max_role"):
        parts.append(f"at most {token['max_role']}")
    if token.get("expires_at"):
        parts.append(f"expires {token['expires_at']}")
    return f" ({', '.join(parts)})" if parts else ""


@token_app.command("list")
@handled
def token_list(profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """List your API tokens (never their secrets)."""
    with connect(profile) as client:
        tokens = client.get(f"{API}/tokens")
    rows = [
        (
            t["id"],
            t["name"],
            t["prefix"] + "…",
            "/".join(p for p in (t.get("org"), t.get("app")) if p) or None,
            t.get("max_role"),
            _state(t),
            t.get("expires_at"),
            t.get("last_used_at"),
        )
        for t in tokens
    ]
    columns = ["id", "name", "prefix", "scope", "max role", "state", "expires", "last used"]
    out(as_json).result(tokens, table(columns, rows))


def _state(token: dict[str, Any]) -> str:
    if token.get("revoked"):
        return "revoked"
    return "expired" if token.get("expired") else "active"


@token_app.command("revoke")
@handled
def token_revoke(
    token_id: Annotated[
        int,
        typer.Argument(metavar="TOKEN_ID", help="Token id (see `token list`).", show_default=False),
    ],
    yes: YesOpt = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke an API token; anything using it is refused from now on."""
    confirm(f"Revoke token {token_id}?", yes)
    with connect(profile) as client:
        client.delete(f"{API}/tokens/{seg(token_id)}")
    out(as_json).result({"revoked": token_id}, f"Revoked token {token_id}.")


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token", rich_help_panel="Manage")
