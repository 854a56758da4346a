"""`config`: an application's remote-config property schema and its cohort dimensions."""

from __future__ import annotations

import json
from pathlib import Path
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
from tradewind.cli.errors import UsageProblem
from tradewind.cli.output import table

config_app = typer.Typer(
    help="Remote configuration: the property schema (names, JSON Schemas, defaults) that "
    "release properties are checked against, and cohort dimensions that targets can name.",
    no_args_is_help=True,
)
schema_app = typer.Typer(
    help="The property schema, declaratively: `set` replaces it with a file's content "
    "(properties missing from the file are removed).",
    no_args_is_help=True,
)
cohort_app = typer.Typer(
    help="Cohort dimensions: ordered cohorts computed from a base dimension, first match wins.",
    no_args_is_help=True,
)
config_app.add_typer(schema_app, name="schema")
config_app.add_typer(cohort_app, name="cohort")

FileArg = Annotated[
    Path,
    typer.Argument(
        metavar="FILE",
        help='JSON file: {"properties": {"<name>": {"description", "default_value", "schema"}}} '
        "(- reads standard input).",
        show_default=False,
        allow_dash=True,
    ),
]
NameArg = Annotated[
    str, typer.Argument(metavar="NAME", help="Cohort dimension name.", show_default=False)
]


def _schema_path(org: str, app: str) -> str:
    return f"{app_path(org, app)}/properties/schema"


def _cohort_path(org: str, app: str, name: str | None = None) -> str:
    base = f"{app_path(org, app)}/cohorts"
    return f"{base}/{seg(name)}" if name else base


def read_json(path: Path, what: str) -> Any:
    try:
        text = typer.get_text_stream("stdin").read() if str(path) == "-" else path.read_text()
        return json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageProblem("invalid_file", f"{what}: {exc}") from exc


def _schema_body(path: Path) -> dict[str, Any]:
    body = read_json(path, str(path))
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        raise UsageProblem("invalid_file", f'{path}: expected {{"properties": {{...}}}}')
    return body


def _schema_rows(properties: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (name, json.dumps(p["default_value"]), json.dumps(p["schema"]), p["description"] or None)
        for name, p in sorted(properties.items())
    ]


SCHEMA_COLUMNS = ["property", "default", "schema", "description"]


@schema_app.command("get")
@handled
def schema_get(
    org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """Show the property schema (with --json: a file `config schema set` accepts)."""
    with connect(profile) as client:
        schema = client.get(_schema_path(org, app))
    out(as_json).result(schema, table(SCHEMA_COLUMNS, _schema_rows(schema["properties"])))


def schema_changes(current: dict[str, Any], wanted: dict[str, Any]) -> list[tuple[str, str]]:
    """(property, added | removed | changed) between two `properties` maps, by name."""
    names = sorted(set(current) | set(wanted))
    changes = []
    for name in names:
        if name not in current:
            changes.append((name, "added"))
        elif name not in wanted:
            changes.append((name, "removed"))
        elif _normalised(current[name]) != _normalised(wanted[name]):
            changes.append((name, "changed"))
    return changes


def _normalised(item: dict[str, Any]) -> dict[str, Any]:
    return {"description": "", **item}


@schema_app.command("diff")
@handled
def schema_diff(
    file: FileArg, org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """What `config schema set FILE` would change (added, removed, changed properties)."""
    wanted = _schema_body(file)["properties"]
    with connect(profile) as client:
        current = client.get(_schema_path(org, app))["properties"]
    changes = schema_changes(current, wanted)
    data = [{"property": name, "change": change} for name, change in changes]
    human = table(["property", "change"], changes) if changes else "No changes."
    out(as_json).result(data, human)


@schema_app.command("set")
@handled
def schema_set(
    file: FileArg, org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """Replace the property schema with FILE's (app admins). Refused (409) while a live
    release sets a property the new schema rejects; 400 for an invalid schema or default."""
    body = _schema_body(file)
    with connect(profile) as client:
        current = client.get(_schema_path(org, app))["properties"]
        schema = client.put(_schema_path(org, app), body)
    changes = schema_changes(current, body["properties"])
    summary = ", ".join(f"{change} {name}" for name, change in changes) or "no changes"
    out(as_json).result(schema, f"Schema set: {summary}.")


def _cohort_rows(dimension: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = []
    for order, cohort in enumerate(dimension["cohorts"], start=1):
        if cohort.get("otherwise"):
            rule = "otherwise"
        elif cohort.get("at_least"):
            rule = f"{dimension['base_dimension']} >= {cohort['at_least']}"
        else:
            rule = f"{dimension['base_dimension']} in {', '.join(cohort['members'])}"
        rows.append((order, cohort["name"], rule))
    return rows


@cohort_app.command("list")
@handled
def cohort_list(
    org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """List cohort dimensions and their base dimensions."""
    with connect(profile) as client:
        found = client.get(_cohort_path(org, app))
    rows = [(d["name"], d["base_dimension"], len(d["cohorts"])) for d in found]
    out(as_json).result(found, table(["name", "base dimension", "cohorts"], rows))


@cohort_app.command("get")
@handled
def cohort_get(
    name: NameArg, org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """Show one cohort dimension's cohorts, in evaluation order."""
    with connect(profile) as client:
        found = client.get(_cohort_path(org, app, name))
    out(as_json).result(found, table(["order", "cohort", "rule"], _cohort_rows(found)))


@cohort_app.command("set")
@handled
def cohort_set(
    name: NameArg,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help='JSON file: {"base_dimension": "app_version", "cohorts": [{"name": "v3", '
            '"at_least": "3.0.0"}, {"name": "beta", "members": ["…"]}, {"name": "otherwise", '
            '"otherwise": true}]} (- reads standard input).',
            show_default=False,
            allow_dash=True,
        ),
    ],
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create or replace a cohort dimension (app admins); the first time, its dimension is
    created too. Cohorts are evaluated in order, first match wins."""
    body = read_json(file, str(file))
    if not isinstance(body, dict):
        raise UsageProblem("invalid_file", f"{file}: expected a JSON object")
    with connect(profile) as client:
        saved = client.put(_cohort_path(org, app, name), body)
    out(as_json).result(saved, table(["order", "cohort", "rule"], _cohort_rows(saved)))


@cohort_app.command("delete")
@handled
def cohort_delete(
    name: NameArg,
    org: OrgOpt,
    app: AppOpt,
    yes: YesOpt = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete a cohort dimension and its dimension (refused while a release targets it)."""
    confirm(f"Delete cohort dimension '{name}' of {org}/{app}?", yes)
    with connect(profile) as client:
        client.delete(_cohort_path(org, app, name))
    out(as_json).result(
        {"deleted": "cohort_dimension", "org": org, "app": app, "name": name},
        f"Deleted cohort dimension {name}.",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config", rich_help_panel="Manage")
