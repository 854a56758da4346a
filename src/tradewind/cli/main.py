"""The `tradewind` command: server commands here, client commands registered from modules."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from tradewind.cli import server
from tradewind.cli.client import cli_version
from tradewind.cli.commands import MODULES_OF_COMMAND, register_client_commands
from tradewind.cli.commands.listing import register_listing

HELP = (
    "Tradewind: a self-hosted over-the-air update server for mobile apps.\n\n"
    "Client commands talk to a server over its HTTP API: sign in with `tradewind login`, or set "
    "TRADEWIND_SERVER and TRADEWIND_TOKEN (CI). Every client command accepts --json. "
    "Exit codes: 0 ok, 1 the server refused (its error code is printed), 2 usage error, "
    "3 the server cannot be reached."
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"tradewind {cli_version()}")
        raise typer.Exit()


def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Tradewind: a self-hosted over-the-air update server for mobile apps."""


def _new_root() -> typer.Typer:
    root = typer.Typer(
        name="tradewind", help=HELP, no_args_is_help=True, pretty_exceptions_enable=False
    )
    root.callback()(_options)
    return root


app = _new_root()


def first_command(argv: list[str]) -> str | None:
    """The top-level command named on the command line (the root has no option with a value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


# What is on `app` already: client command modules by name, and "server" for server commands.
_registered: set[str] = set()


def register_commands(command: str | None = None) -> typer.Typer:
    """`app` with every command, or with those `command` needs (the others are not imported);
    an unknown or missing command gets them all, for the help and the error it prints. A later
    call adds what is missing (tests run several commands in one process)."""
    on_server = command in server.COMMANDS
    on_client = command in MODULES_OF_COMMAND
    if (on_server or not on_client) and "server" not in _registered:
        server.register(app)
        _registered.add("server")
    if on_client or not on_server:
        register_client_commands(app, command, _registered)
    return app


def lists_commands_only(args: list[str]) -> bool:
    """`tradewind` or `tradewind --help`: the commands' listing, not a shell's completion."""
    return args in ([], ["--help"]) and "_TRADEWIND_COMPLETE" not in os.environ


def listing_app() -> typer.Typer:
    """The root command with the server's commands and the client commands' listing only."""
    listing = _new_root()
    server.register(listing)
    register_listing(listing)
    return listing


def main(argv: list[str] | None = None) -> None:
    """`tradewind` with `argv` (default: the command line); ends with SystemExit."""
    args = sys.argv[1:] if argv is None else argv
    try:
        if lists_commands_only(args):
            root = listing_app()
        else:
            root = register_commands(first_command(args))
        root(args=args, prog_name="tradewind")
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
