"""The `tradewind` command: server commands here, client commands registered from modules."""

from __future__ import annotations

import typer

from tradewind.cli import server

app = typer.Typer(
    name="tradewind",
    help="Tradewind: a self-hosted over-the-air update server for mobile apps.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
server.register(app)


def main() -> None:
    app()
