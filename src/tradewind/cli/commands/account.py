"""`passwd`: change your own password."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tradewind.cli.client import API
from tradewind.cli.commands.common import JsonOpt, ProfileOpt, connect, handled, out
from tradewind.cli.errors import UsageProblem


def _passwords(from_stdin: bool) -> tuple[str, str]:
    if from_stdin:
        current = sys.stdin.readline().rstrip("\r\n")
        new = sys.stdin.readline().rstrip("\r\n")
        if not current or not new:
            raise UsageProblem(
                "password_required", "stdin must hold the current password, then the new one"
            )
        return current, new
    if not sys.stdin.isatty():
        raise UsageProblem(
            "password_required", "no terminal to ask for the passwords: pass --password-stdin"
        )
    current = typer.prompt("Current password", hide_input=True)
    new = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    return str(current), str(new)


@handled
def passwd(
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the current password, then the new one, from the first two lines of "
            "stdin instead of asking.",
        ),
    ] = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change your password (needs a password sign-in: `tradewind login`, not an API token).

    Your other sessions (browsers, other CLI profiles) are signed out; this one and your API
    tokens keep working.
    """
    current, new = _passwords(password_stdin)
    with connect(profile) as client:
        client.post(f"{API}/me/password", {"current_password": current, "new_password": new})
    out(as_json).result({"changed": True}, "Password changed; your other sessions are signed out.")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Account")(passwd)
