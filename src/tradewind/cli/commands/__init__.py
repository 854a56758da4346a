"""Client commands: they talk to a Tradewind server over its HTTP API, never to the database."""

from __future__ import annotations

import typer

from tradewind.cli.commands import auth, dimensions, members, orgs, push, releases, tokens


def register_client_commands(app: typer.Typer) -> None:
    for module in (auth, orgs, members, tokens, dimensions, push, releases):
        module.register(app)
