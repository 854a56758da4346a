"""Client commands: they talk to a Tradewind server over its HTTP API, never to the database."""

from __future__ import annotations

import importlib

import typer

# Registration order, which is also the order of `tradewind --help`.
CLIENT_MODULES = (
    "auth",
    "orgs",
    "ingest",
    "members",
    "tokens",
    "dimensions",
    "push",
    "releases",
    "guards",
    "analytics",
    "signing",
    "codepush",
    "remote_config",
    "experiments",
    "account",
    "packages",
    "release_history",
    "webhooks",
)

# The modules that put commands under each top-level command. A run registers only the modules
# its command needs: importing and building all of them is most of the CLI's start-up time.
# tests/cli/test_command_table.py checks this table against a full registration.
MODULES_OF_COMMAND: dict[str, tuple[str, ...]] = {
    "login": ("auth",),
    "logout": ("auth",),
    "profile": ("auth",),
    "whoami": ("auth",),
    "org": ("orgs",),
    "app": ("orgs", "ingest", "guards", "analytics"),
    "member": ("members",),
    "token": ("tokens",),
    "dimension": ("dimensions",),
    "push": ("push",),
    "release": ("releases", "guards", "analytics", "release_history"),
    "keys": ("signing",),
    "codepush": ("codepush",),
    "config": ("remote_config",),
    "experiment": ("experiments",),
    "passwd": ("account",),
    "package": ("packages",),
    "webhook": ("webhooks",),
}


def register_client_commands(
    app: typer.Typer, command: str | None = None, registered: set[str] | None = None
) -> None:
    """Every client command, or only those under `command` when the table knows it; modules
    named in `registered` are on `app` already (registering twice adds every command twice),
    and the ones registered now are added to it."""
    done = set() if registered is None else registered
    wanted = MODULES_OF_COMMAND.get(command or "", CLIENT_MODULES)
    for name in CLIENT_MODULES:
        if name in wanted and name not in done:
            importlib.import_module(f"tradewind.cli.commands.{name}").register(app)
            done.add(name)
