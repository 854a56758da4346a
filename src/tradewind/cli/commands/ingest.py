"""`app ingest-key`: the key devices send with their events (POST /analytics/events)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tradewind.cli.client import app_path
from tradewind.cli.commands.common import JsonOpt, OrgOpt, ProfileOpt, connect, handled, out
from tradewind.cli.commands.orgs import NameArg, app_app
from tradewind.cli.output import fields

RotateOpt = Annotated[
    bool, typer.Option("--rotate", help="Replace the key (app admins); the old one stops working.")
]
KeylessOpt = Annotated[
    bool | None,
    typer.Option(
        "--keyless/--require-key",
        help="Accept events without the key, or require it again (app admins).",
        show_default=False,
    ),
]


@app_app.command("ingest-key")
@handled
def ingest_key(
    name: NameArg,
    org: OrgOpt,
    rotate: RotateOpt = False,
    keyless: KeylessOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the application's ingest key (for x-ingest-key); rotate it, or allow keyless ingest."""
    base = app_path(org, name)
    with connect(profile) as client:
        if keyless is not None:
            client.patch(base, {"ingest_keyless": keyless})
        app = client.post(f"{base}/ingest-key/rotate") if rotate else client.get(base)
    data = {"ingest_key": app["ingest_key"], "ingest_keyless": app["ingest_keyless"]}
    out(as_json).result(data, fields(_fields(app)))


def _fields(app: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        ("ingest key", app["ingest_key"]),
        ("keyless ingest", "allowed" if app["ingest_keyless"] else "not allowed"),
    ]


def register(app: typer.Typer) -> None:
    """The command is added to `app` (see orgs.app_app) when this module is imported."""
