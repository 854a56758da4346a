"""What `tradewind --help` lists for each client command, so that listing the commands imports
and builds none of their modules (most of the CLI's start-up time).

Each entry repeats the first paragraph of the command's own help; tests/cli/test_command_table.py
renders `tradewind --help` from this listing and from a full registration and requires the two
to be identical, so a help text changed in one place only fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass

import typer


@dataclass(frozen=True, slots=True)
class Listed:
    panel: str | None
    text: str
    group: bool = True


# In the order of a full registration's listing.
LISTED: dict[str, Listed] = {
    "login": Listed(
        "Sign in", "Sign in to a Tradewind server and save the credentials in a profile.", False
    ),
    "logout": Listed(
        "Sign in",
        "Sign out: end the session on the server and forget the profile's credentials.",
        False,
    ),
    "whoami": Listed(
        "Sign in", "Show who the current credentials belong to, on which server.", False
    ),
    "push": Listed(
        "Publish",
        "Upload a bundle directory and create the next package version from it.",
        False,
    ),
    "passwd": Listed(
        "Account",
        "Change your password (needs a password sign-in: `tradewind login`, not an API token).",
        False,
    ),
    "profile": Listed("Sign in", "List login profiles and choose the default one."),
    "org": Listed("Manage", "Organisations: create, list, show, delete."),
    "app": Listed("Manage", "Applications of an organisation: create, list, show, delete."),
    "member": Listed(
        "Manage",
        "Members of an organisation (all its applications) or of one application (with --app). "
        "Roles: owner > admin > write > read; application members cannot be owners.",
    ),
    "token": Listed(
        "Manage", "Personal API tokens for CI (TRADEWIND_TOKEN): create, list, revoke."
    ),
    "dimension": Listed(
        "Manage",
        "Dimensions of an application: named device attributes (sent in x-dimension) that "
        "release targets test. A dimension at position p weighs 2^p in a target's specificity: "
        "higher positions win.",
    ),
    "release": Listed(
        "Publish",
        "Releases of an application: what each audience of devices is served. Lifecycle: "
        "created → ramp → in_progress (pause/resume) → conclude, or discard; rollback restores "
        "an earlier release's content.",
    ),
    "codepush": Listed(
        None,
        "CodePush: deployments (Staging, Production, …) with the keys react-native-code-push "
        "apps send, releases with labels (v1, v2, …), promote and rollback.",
    ),
    "config": Listed(
        "Manage",
        "Remote configuration: the property schema (names, JSON Schemas, defaults) that release "
        "properties are checked against, and cohort dimensions that targets can name.",
    ),
    "experiment": Listed(
        "Publish",
        "Experiments: a release with 2 or more variants (each a property set and optionally a "
        "package) sharing its devices by sticky per-device buckets.",
    ),
    "package": Listed("Publish", "List, show and compare an application's packages."),
    "webhook": Listed(
        "Manage",
        "Webhooks of an organisation (every application) or of one application: add, list, "
        "remove, ping, and the delivery log.",
    ),
}


def _listed_only() -> None:
    """Never run: `tradewind COMMAND` registers the real command instead."""


def register_listing(app: typer.Typer) -> None:
    """Every client command as a name, a panel and a line of help, for the listing alone."""
    for name, listed in LISTED.items():
        if listed.group:
            app.add_typer(typer.Typer(), name=name, help=listed.text, rich_help_panel=listed.panel)
        else:
            app.command(name, help=listed.text, rich_help_panel=listed.panel)(_listed_only)
