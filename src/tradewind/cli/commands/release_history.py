"""`release changes|timeline|rollback|rollback-previous`: what a release changes for devices,
the application's release history, and restoring an earlier release."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tradewind.cli.changes_view import changes_view
from tradewind.cli.client import app_path, seg
from tradewind.cli.commands.common import AppOpt, JsonOpt, OrgOpt, ProfileOpt, connect, handled, out
from tradewind.cli.commands.releases import IdArg, release_app
from tradewind.cli.output import table, when
from tradewind.cli.views import release_line


def _releases(org: str, app: str) -> str:
    return f"{app_path(org, app)}/releases"


@release_app.command("changes")
@handled
def release_changes(
    release_id: IdArg,
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What release ID changes for devices against the release it replaces for its audience:
    package files added, removed and changed (with sizes), and the config and properties
    that differ."""
    with connect(profile) as client:
        changes = client.get(f"{_releases(org, app)}/{seg(release_id)}/changes")
    out(as_json).result(changes, changes_view(changes))


def _state(entry: dict[str, Any]) -> str:
    if entry["from_state"] and entry["to_state"] and entry["from_state"] != entry["to_state"]:
        return f"{entry['from_state']} → {entry['to_state']}"
    return entry["to_state"] or ""


@release_app.command("timeline")
@handled
def release_timeline(
    org: OrgOpt,
    app: AppOpt,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many events.")] = 100,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every release event of the application, newest first: creations, ramps, conclusions,
    supersessions, rollbacks, and who made them."""
    with connect(profile) as client:
        timeline = client.get(f"{_releases(org, app)}/timeline", params={"limit": limit})
    rows = [
        (
            when(e["at"]),
            e["release_id"],
            e["action"],
            _state(e),
            e["actor"] or "-",
            e.get("how") or "",
        )
        for e in timeline["entries"]
    ]
    out(as_json).result(timeline, table(["when", "release", "action", "status", "by", "via"], rows))


@release_app.command("rollback")
@handled
def release_rollback(
    to: Annotated[
        int,
        typer.Option(
            "--to",
            min=1,
            help="Id of the earlier (concluded or superseded) release to restore.",
            show_default=False,
        ),
    ],
    org: OrgOpt,
    app: AppOpt,
    notes: Annotated[
        str | None, typer.Option(help="Notes for the new release.", show_default=False)
    ] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Serve an earlier release's content again, at once, as a new concluded release.

    An unfinished release of the same target and channel is discarded.
    """
    body = None if notes is None else {"notes": notes}
    with connect(profile) as client:
        release = client.post(f"{_releases(org, app)}/{seg(to)}/rollback", body)
    out(as_json).result(release, release_line(release) + f" — restored from release {to}")


@release_app.command("rollback-previous")
@handled
def release_rollback_previous(
    release_id: IdArg,
    org: OrgOpt,
    app: AppOpt,
    notes: Annotated[
        str | None, typer.Option(help="Notes for the new release.", show_default=False)
    ] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Undo concluded release ID in one step: serve the release it replaced again, at once, as
    a new concluded release of the same target (like `release rollback --to PREVIOUS`)."""
    body = None if notes is None else {"notes": notes}
    with connect(profile) as client:
        release = client.post(f"{_releases(org, app)}/{seg(release_id)}/rollback-previous", body)
    restored = release["rolled_back_from_id"]
    out(as_json).result(release, release_line(release) + f" — restored from release {restored}")


def register(app: typer.Typer) -> None:
    """The commands attach to `release` when this module is imported."""
