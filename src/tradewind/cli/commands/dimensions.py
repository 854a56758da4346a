"""`dimension`: the device attributes release targets are written against."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from tradewind.cli.client import app_path, seg
from tradewind.cli.commands.common import (
    AppOpt,
    JsonOpt,
    OrgOpt,
    ProfileOpt,
    YesOpt,
    confirm,
    connect,
    handled,
    out,
)
from tradewind.cli.output import table

dimension_app = typer.Typer(
    help="Dimensions of an application: named device attributes (sent in x-dimension) that "
    "release targets test. A dimension at position p weighs 2^p in a target's specificity: "
    "higher positions win.",
    no_args_is_help=True,
)


class DimensionType(StrEnum):
    string = "string"
    semver = "semver"


NameArg = Annotated[
    str,
    typer.Argument(
        metavar="NAME", help="Dimension name, e.g. os or app-version.", show_default=False
    ),
]


def _path(org: str, app: str, name: str | None = None) -> str:
    base = f"{app_path(org, app)}/dimensions"
    return f"{base}/{seg(name)}" if name else base


def _row(d: dict[str, Any]) -> tuple[Any, ...]:
    return (d["position"], d["name"], d["type"], d["weight"], d.get("description") or None)


COLUMNS = ["position", "name", "type", "weight", "description"]


@dimension_app.command("create")
@handled
def dimension_create(
    name: NameArg,
    org: OrgOpt,
    app: AppOpt,
    type_: Annotated[
        DimensionType,
        typer.Option("--type", "-t", help="semver allows version-range targets (>=2.0.0 <3.0.0)."),
    ] = DimensionType.string,
    position: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Priority; existing dimensions at or above it move up (default: the highest).",
            show_default=False,
        ),
    ] = None,
    description: Annotated[str, typer.Option(help="What the dimension means.")] = "",
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a dimension (app admins)."""
    body: dict[str, Any] = {"name": name, "type": type_.value, "description": description}
    if position is not None:
        body["position"] = position
    with connect(profile) as client:
        created = client.post(_path(org, app), body)
    out(as_json).result(
        created,
        f"Created {created['type']} dimension {created['name']} at position {created['position']}.",
    )


@dimension_app.command("list")
@handled
def dimension_list(
    org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """List dimensions, lowest priority first."""
    with connect(profile) as client:
        dimensions = client.get(_path(org, app))
    out(as_json).result(dimensions, table(COLUMNS, [_row(d) for d in dimensions]))


@dimension_app.command("move")
@handled
def dimension_move(
    name: NameArg,
    position: Annotated[
        int,
        typer.Argument(
            metavar="POSITION",
            min=0,
            help="New position (0 is the lowest priority).",
            show_default=False,
        ),
    ],
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move a dimension to another position; the ones in between shift by one."""
    with connect(profile) as client:
        moved = client.patch(_path(org, app, name), {"position": position})
        dimensions = client.get(_path(org, app))
    out(as_json).result(
        moved,
        f"Moved {name} to position {moved['position']}.",
        table(COLUMNS, [_row(d) for d in dimensions]),
    )


@dimension_app.command("delete")
@handled
def dimension_delete(
    name: NameArg,
    org: OrgOpt,
    app: AppOpt,
    yes: YesOpt = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete a dimension (refused while a release targets it)."""
    confirm(f"Delete dimension '{name}' of {org}/{app}?", yes)
    with connect(profile) as client:
        client.delete(_path(org, app, name))
    out(as_json).result(
        {"deleted": "dimension", "org": org, "app": app, "name": name},
        f"Deleted dimension {name}.",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(dimension_app, name="dimension", rich_help_panel="Manage")
