"""The `tradewind` command: server commands here, client commands registered from modules."""

from __future__ import annotations

import os
import sys

import typer

from tradewind.cli import server
from tradewind.cli.commands import register_client_commands

app = typer.Typer(
    name="tradewind",
    help="Tradewind: a self-hosted over-the-air update server for mobile apps.\n\n"
    "Client commands talk to a server over its HTTP API: sign in with `tradewind login`, or set "
    "TRADEWIND_SERVER and TRADEWIND_TOKEN (CI). Every client command accepts --json. "
    "Exit codes: 0 ok, 1 the server refused (its error code is printed), 2 usage error, "
    "3 the server cannot be reached.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
server.register(app)
register_client_commands(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:
        # Client errors are handled per command; this is the last guard against a traceback.
        if os.environ.get("TRADEWIND_DEBUG"):
            raise
        sys.stderr.write(
            f"error: internal_error: {type(exc).__name__}: {exc}"
            " (set TRADEWIND_DEBUG=1 for the traceback)\n"
        )
        sys.exit(1)
