"""Every client command documents itself: a description, and help for each parameter."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main
from fixtures.cli import Cli

from tradewind.cli.main import register_commands

pytestmark = pytest.mark.once  # no database: one run is enough

CLIENT_GROUPS = {"org", "app", "member", "token", "dimension", "release", "profile", "package"}
CLIENT_GROUPS |= {"webhook"}
CLIENT_COMMANDS = {"login", "logout", "whoami", "push", "passwd"}


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, (*path, name))


def client_commands() -> list[tuple[tuple[str, ...], Any]]:
    root = typer.main.get_command(register_commands())
    return [
        (path, command)
        for path, command in walk(root)
        if path and (path[0] in CLIENT_GROUPS or path[0] in CLIENT_COMMANDS)
    ]


@pytest.mark.parametrize(
    ("path", "command"),
    client_commands(),
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_command_help_is_complete(path: tuple[str, ...], command: Any) -> None:
    assert command.help and len(command.help) > 15, path
    for param in command.params:
        assert param.help, f"{' '.join(path)}: {param.name} has no help"
    if not hasattr(command, "commands"):
        assert "json" in [p.name for p in command.params] or "as_json" in [
            p.name for p in command.params
        ], f"{' '.join(path)} lacks --json"


def test_help_runs_as_a_program(cli: Cli) -> None:
    top = cli.ok("--help").stdout
    for word in ("login", "push", "release", "Exit codes"):
        assert word in top
    assert "--target" in cli.ok("release", "create", "--help").stdout


def test_defaults_written_in_help_text_are_shown(cli: Cli) -> None:
    """`[default: …]` in a help string is rich markup unless escaped: it used to vanish."""
    serve = cli.ok("serve", "--help").stdout
    assert "[default: 127.0.0.1]" in serve and "[default: 8000]" in serve
    assert "[default: the email's name]" in cli.ok("user", "create", "--help").stdout


HELP_IMPORTS = """
import sys
from tradewind.cli.main import register_commands
register_commands()
print(" ".join(sorted(sys.modules)))
"""


def test_the_full_help_imports_no_server_code() -> None:
    """`tradewind --help` registers every command: none may import the settings, the database
    layer, the web framework or cryptography at import time (together they cost most of a
    second of start-up; `push --sign` loads cryptography when it signs)."""
    done = subprocess.run(
        [sys.executable, "-c", HELP_IMPORTS], capture_output=True, text=True, check=True
    )
    loaded = set(done.stdout.split())
    heavy = {"tradewind.settings", "sqlalchemy", "fastapi", "starlette", "alembic", "cryptography"}
    assert not heavy & loaded, sorted(heavy & loaded)
