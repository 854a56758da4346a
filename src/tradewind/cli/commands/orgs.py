"""`org` and `app`: organisations and their applications."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tradewind.cli.client import API, app_path, seg
from tradewind.cli.commands.common import (
    JsonOpt,
    OrgOpt,
    ProfileOpt,
    YesOpt,
    confirm,
    connect,
    handled,
    out,
)
from tradewind.cli.errors import UsageProblem
from tradewind.cli.output import fields, table

org_app = typer.Typer(help="Organisations: create, list, show, delete.", no_args_is_help=True)
app_app = typer.Typer(
    help="Applications of an organisation: create, list, show, delete.", no_args_is_help=True
)

NameArg = Annotated[
    str,
    typer.Argument(
        metavar="NAME", help="Name: 2–63 lowercase letters, digits and '-'.", show_default=False
    ),
]
DisplayNameOpt = Annotated[str, typer.Option(help="Human-readable name.")]


def _org_fields(org: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        ("name", org["name"]),
        ("display name", org.get("display_name") or None),
        ("created", org.get("created_at")),
        ("updated", org.get("updated_at")),
    ]


def _app_fields(org: str, app: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        ("name", app["name"]),
        ("organisation", org),
        ("display name", app.get("display_name") or None),
        ("identifier dimension", app.get("identifier_dimension")),
        ("channel dimension", app.get("channel_dimension")),
        ("created", app.get("created_at")),
        ("updated", app.get("updated_at")),
    ]


@org_app.command("create")
@handled
def org_create(
    name: NameArg,
    display_name: DisplayNameOpt = "",
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an organisation; you become its owner."""
    with connect(profile) as client:
        org = client.post(f"{API}/orgs", {"name": name, "display_name": display_name})
    out(as_json).result(org, f"Created organisation {org['name']}.")


@org_app.command("list")
@handled
def org_list(profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """List the organisations you can see."""
    with connect(profile) as client:
        orgs = client.get(f"{API}/orgs")
    rows = [(o["name"], o.get("display_name"), o.get("created_at")) for o in orgs]
    out(as_json).result(orgs, table(["name", "display name", "created"], rows))


@org_app.command("show")
@handled
def org_show(name: NameArg, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """Show one organisation."""
    with connect(profile) as client:
        org = client.get(f"{API}/orgs/{seg(name)}")
    out(as_json).result(org, fields(_org_fields(org)))


@org_app.command("delete")
@handled
def org_delete(
    name: NameArg, yes: YesOpt = False, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """Delete an organisation with all its applications, packages and releases (owners only)."""
    confirm(f"Delete organisation '{name}' and everything in it?", yes)
    with connect(profile) as client:
        client.delete(f"{API}/orgs/{seg(name)}")
    out(as_json).result({"deleted": "organisation", "name": name}, f"Deleted organisation {name}.")


IdentifierDimensionOpt = Annotated[
    str | None,
    typer.Option(
        help="Dimension that identifies a device (e.g. device_id), for per-device rollout "
        "buckets when devices do not send ?toss= ('' to clear, on update).",
        show_default=False,
    ),
]
ChannelDimensionOpt = Annotated[
    str | None,
    typer.Option(
        help="Dimension whose value names the release channel an Airborne device follows "
        "(e.g. channel=beta); without it Airborne devices get production only ('' to clear, "
        "on update).",
        show_default=False,
    ),
]


@app_app.command("create")
@handled
def app_create(
    name: NameArg,
    org: OrgOpt,
    display_name: DisplayNameOpt = "",
    identifier_dimension: IdentifierDimensionOpt = None,
    channel_dimension: ChannelDimensionOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an application in an organisation (org admins)."""
    body: dict[str, Any] = {"name": name, "display_name": display_name}
    body |= _device_dimensions(identifier_dimension, channel_dimension)
    with connect(profile) as client:
        app = client.post(f"{API}/orgs/{seg(org)}/apps", body)
    out(as_json).result(app, f"Created application {org}/{app['name']}.")


def _device_dimensions(identifier: str | None, channel: str | None) -> dict[str, str | None]:
    """The options given, with '' meaning "none"."""
    given = {"identifier_dimension": identifier, "channel_dimension": channel}
    return {key: value.strip() or None for key, value in given.items() if value is not None}


@app_app.command("update")
@handled
def app_update(
    name: NameArg,
    org: OrgOpt,
    display_name: Annotated[
        str | None, typer.Option(help="New display name.", show_default=False)
    ] = None,
    identifier_dimension: IdentifierDimensionOpt = None,
    channel_dimension: ChannelDimensionOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an application's settings (app or org admins); options not given stay."""
    body: dict[str, Any] = _device_dimensions(identifier_dimension, channel_dimension)
    if display_name is not None:
        body["display_name"] = display_name
    if not body:
        raise UsageProblem("nothing_to_change", "give at least one setting to change")
    with connect(profile) as client:
        app = client.patch(app_path(org, name), body)
    out(as_json).result(app, fields(_app_fields(org, app)))


@app_app.command("list")
@handled
def app_list(org: OrgOpt, profile: ProfileOpt = None, as_json: JsonOpt = False) -> None:
    """List the applications of an organisation that you can see."""
    with connect(profile) as client:
        apps = client.get(f"{API}/orgs/{seg(org)}/apps")
    rows = [(a["name"], a.get("display_name"), a.get("created_at")) for a in apps]
    out(as_json).result(apps, table(["name", "display name", "created"], rows))


@app_app.command("show")
@handled
def app_show(
    name: NameArg, org: OrgOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """Show one application."""
    with connect(profile) as client:
        app = client.get(app_path(org, name))
    out(as_json).result(app, fields(_app_fields(org, app)))


@app_app.command("delete")
@handled
def app_delete(
    name: NameArg,
    org: OrgOpt,
    yes: YesOpt = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete an application with its files, packages and releases (app or org admins)."""
    confirm(f"Delete application '{org}/{name}' and everything in it?", yes)
    with connect(profile) as client:
        client.delete(app_path(org, name))
    out(as_json).result(
        {"deleted": "application", "org": org, "name": name}, f"Deleted application {org}/{name}."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org", rich_help_panel="Manage")
    app.add_typer(app_app, name="app", rich_help_panel="Manage")
