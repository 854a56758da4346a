"""`release status` and `app adoption`: what devices run and how a release is doing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from tradewind.cli.analytics_views import adoption_view, status_view
from tradewind.cli.client import ApiClient, app_path, seg
from tradewind.cli.commands.common import AppOpt, JsonOpt, OrgOpt, ProfileOpt, connect, handled, out
from tradewind.cli.commands.orgs import app_app
from tradewind.cli.commands.releases import IdArg, release_app
from tradewind.cli.errors import ServerRefused


class Span(StrEnum):
    minute = "minute"
    hour = "hour"
    day = "day"


TimeOpt = Annotated[
    datetime | None,
    typer.Option(
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        help="UTC time, e.g. 2026-05-01T12:00.",
        show_default=False,
    ),
]


@handled
def release_status(
    release_id: IdArg,
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show how a release is doing: devices, downloads, installs, failures and failure rate
    next to its baseline's, adoption of its package version, and its rollout guard if any."""
    base = f"{app_path(org, app)}/releases/{seg(release_id)}"
    with connect(profile) as client:
        release = client.get(base)
        health = client.get(f"{base}/analytics")
        guard = _guard(client, f"{base}/guard")
    data = {"release": release, "health": health, "guard": guard}
    out(as_json).result(data, status_view(release, health, guard))


def _guard(client: ApiClient, path: str) -> dict[str, Any] | None:
    """The release's rollout guard, or None where the server has no guards."""
    try:
        guard: dict[str, Any] = client.get(path)
    except ServerRefused as exc:
        if exc.status == 404:
            return None
        raise
    return guard


@handled
def app_adoption(
    org: OrgOpt,
    app: AppOpt,
    span: Annotated[Span, typer.Option(help="Bucket size.")] = Span.hour,
    since: TimeOpt = None,
    until: TimeOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show which package versions devices run: checks and distinct devices per version, and
    devices per time bucket (default: the last 24 hours by hour)."""
    params: dict[str, Any] = {"span": span.value}
    if since is not None:
        params["since"] = since.isoformat() + "Z"
    if until is not None:
        params["until"] = until.isoformat() + "Z"
    with connect(profile) as client:
        adoption = client.get(f"{app_path(org, app)}/analytics/adoption", params=params)
    out(as_json).result(adoption, *adoption_view(adoption))


def register(app: typer.Typer) -> None:
    """Attach to the `release` and `app` groups (registered by their own modules)."""
    release_app.command("status")(release_status)
    app_app.command("adoption")(app_adoption)
