"""`package list|show|diff`: an application's packages, one package's files, and what changes
for devices between two packages."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from tradewind.cli.client import app_path
from tradewind.cli.commands.common import AppOpt, JsonOpt, OrgOpt, ProfileOpt, connect, handled, out
from tradewind.cli.output import fields, table
from tradewind.cli.push import human_size
from tradewind.packages.diff import download_delta, file_changes, value_changes

package_app = typer.Typer(
    help="List, show and compare an application's packages.", no_args_is_help=True
)
VersionArg = Annotated[int, typer.Argument(metavar="VERSION", help="Package version.", min=1)]


def _size(value: int | None) -> str:
    return "-" if value is None else human_size(value)


@package_app.command("list")
@handled
def package_list(
    org: OrgOpt,
    app: AppOpt,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1, max=1000)] = 50,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List packages, newest first; `live` names the releases devices may get them through."""
    with connect(profile) as client:
        found = client.get(f"{app_path(org, app)}/packages", params={"limit": limit})
    rows = [
        (
            p["version"],
            p["index"],
            p["file_count"],
            human_size(p["total_size"]),
            ", ".join(f"release {r}" for r in p.get("live_releases", [])) or None,
            p["created_at"],
            p["notes"] or None,
        )
        for p in found
    ]
    columns = ["version", "index", "files", "size", "live", "created", "notes"]
    out(as_json).result(found, table(columns, rows, title="Packages"))


@package_app.command("show")
@handled
def package_show(
    version: VersionArg,
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a package: its files (kind, size, SHA-256) and properties."""
    with connect(profile) as client:
        package = client.get(f"{app_path(org, app)}/packages/{version}")
    total = sum(f["size"] for f in package["files"])
    facts = fields(
        [
            ("version", package["version"]),
            ("index", package["index"]),
            ("files", f"{len(package['files'])}, {human_size(total)} in all"),
            ("created", f"{package['created_at']} by {package['created_by'] or '-'}"),
            ("properties", json.dumps(package["properties"], ensure_ascii=False)),
            ("notes", package["notes"] or None),
        ]
    )
    rows = [(f["kind"], f["path"], human_size(f["size"]), f["sha256"]) for f in package["files"]]
    out(as_json).result(package, facts, table(["kind", "path", "size", "sha256"], rows))


@package_app.command("diff")
@handled
def package_diff(
    old: Annotated[int, typer.Argument(metavar="OLD", help="The earlier package version.", min=1)],
    new: Annotated[int, typer.Argument(metavar="NEW", help="The later package version.", min=1)],
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What changes for devices from package OLD to NEW: files added, removed and changed (with
    sizes), files that only changed kind, and properties that differ."""
    base = f"{app_path(org, app)}/packages"
    with connect(profile) as client:
        before = client.get(f"{base}/{old}")
        after = client.get(f"{base}/{new}")
    files = file_changes(before["files"], after["files"])
    properties = value_changes(before["properties"], after["properties"])
    data: dict[str, Any] = {
        "old": old,
        "new": new,
        "files": [c.as_dict() for c in files],
        "properties": [c.as_dict() for c in properties],
        "download_bytes": download_delta(files),
    }
    file_rows = [(c.change, c.path, c.kind, _size(c.old_size), _size(c.new_size)) for c in files]
    prop_rows = [
        (p["change"], p["key"], json.dumps(p["old"]), json.dumps(p["new"]))
        for p in data["properties"]
    ]
    summary = (
        f"Package {old} → {new}: {len(files)} file change(s); devices download "
        f"{human_size(data['download_bytes'])} of new content."
    )
    out(as_json).result(
        data,
        summary,
        table(["change", "path", "kind", "old size", "new size"], file_rows, title="Files"),
        table(["change", "property", "old", "new"], prop_rows, title="Properties"),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(package_app, name="package", rich_help_panel="Publish")
