"""`webhook`: signed HTTP notifications of release and package events (admins)."""

from __future__ import annotations

from enum import StrEnum
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
from tradewind.cli.output import table
from tradewind.webhooks.catalog import EVENTS

webhook_app = typer.Typer(
    help="Webhooks of an organisation (every application) or of one application: "
    "add, list, remove, ping, and the delivery log.",
    no_args_is_help=True,
)
ScopeAppOpt = Annotated[
    str | None,
    typer.Option(
        "--app",
        "-a",
        help="Application name: the application's webhooks instead of the organisation's.",
        show_default=False,
    ),
]
HookIdArg = Annotated[
    int,
    typer.Argument(
        metavar="WEBHOOK_ID", help="Webhook id (see `webhook list`).", show_default=False
    ),
]


class Format(StrEnum):
    json = "json"
    slack = "slack"


def _hooks_path(org: str, app: str | None) -> str:
    base = app_path(org, app) if app else f"{API}/orgs/{seg(org)}"
    return f"{base}/webhooks"


@webhook_app.command("list")
@handled
def webhook_list(
    org: OrgOpt, app: ScopeAppOpt = None, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """List the webhooks (never their secrets)."""
    with connect(profile) as client:
        hooks = client.get(_hooks_path(org, app))
    rows = [(h["id"], h["url"], h["format"], ", ".join(h["events"]) or "all") for h in hooks]
    out(as_json).result(hooks, table(["id", "url", "format", "events"], rows))


@webhook_app.command("add")
@handled
def webhook_add(
    url: Annotated[
        str,
        typer.Argument(metavar="URL", help="The http(s) endpoint to POST to.", show_default=False),
    ],
    org: OrgOpt,
    app: ScopeAppOpt = None,
    format: Annotated[
        Format, typer.Option("--format", "-f", help='"slack": a {"text": …} message.')
    ] = Format.json,
    events: Annotated[
        list[str] | None,
        typer.Option(
            "--event",
            "-e",
            help=f"An event to send (repeat; default: all): {', '.join(EVENTS)}.",
            show_default=False,
        ),
    ] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a webhook. Its signing secret is printed once: store it now."""
    body: dict[str, Any] = {"url": url, "format": format.value, "events": events or []}
    with connect(profile) as client:
        hook = client.post(_hooks_path(org, app), body)
    out(as_json).result(
        hook,
        f"Added webhook {hook['id']} → {hook['url']}.",
        "This is the only time the signing secret is shown; store it now:",
        hook["secret"],
    )


@webhook_app.command("rm")
@handled
def webhook_rm(
    webhook_id: HookIdArg,
    org: OrgOpt,
    app: ScopeAppOpt = None,
    yes: YesOpt = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove a webhook and its delivery log."""
    confirm(f"Remove webhook {webhook_id}?", yes)
    with connect(profile) as client:
        client.delete(f"{_hooks_path(org, app)}/{seg(webhook_id)}")
    out(as_json).result({"removed": webhook_id}, f"Removed webhook {webhook_id}.")


@webhook_app.command("ping")
@handled
def webhook_ping(
    webhook_id: HookIdArg,
    org: OrgOpt,
    app: ScopeAppOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send a signed `ping` event now and show the endpoint's answer."""
    with connect(profile) as client:
        sent = client.post(f"{_hooks_path(org, app)}/{seg(webhook_id)}/ping", {})
    out(as_json).result(sent, _delivery_line(sent))


@webhook_app.command("deliveries")
@handled
def webhook_deliveries(
    webhook_id: HookIdArg,
    org: OrgOpt,
    app: ScopeAppOpt = None,
    redeliver: Annotated[
        int | None,
        typer.Option(
            metavar="DELIVERY_ID",
            help="Send this delivery's payload again (as a new delivery) instead of listing.",
            show_default=False,
        ),
    ] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The delivery log (newest first, last 50): status, attempts, last answer or error."""
    base = f"{_hooks_path(org, app)}/{seg(webhook_id)}/deliveries"
    with connect(profile) as client:
        if redeliver is not None:
            sent = client.post(f"{base}/{seg(redeliver)}/redeliver", {})
            out(as_json).result(sent, _delivery_line(sent))
            return
        rows = client.get(base)
    columns = ["id", "event", "status", "attempts", "answer", "error", "created"]
    table_rows = [
        (
            d["id"],
            d["event"],
            d["status"],
            d["attempts"],
            d.get("response_status"),
            d.get("last_error"),
            d["created_at"],
        )
        for d in rows
    ]
    out(as_json).result(rows, table(columns, table_rows))


def _delivery_line(sent: dict[str, Any]) -> str:
    answer = (
        f"HTTP {sent['response_status']}" if sent.get("response_status") else sent.get("last_error")
    )
    return f"Delivery {sent['id']} ({sent['event']}): {sent['status']}, {answer}."


def register(app: typer.Typer) -> None:
    app.add_typer(webhook_app, name="webhook", rich_help_panel="Manage")
