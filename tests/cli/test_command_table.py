"""A run of `tradewind COMMAND` registers only the modules the table in
tradewind.cli.commands names for COMMAND: each command's tree of subcommands and parameters
must be the same as with every module registered, and every command must be in the table."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tradewind.cli.commands import MODULES_OF_COMMAND
from tradewind.cli.server import COMMANDS as SERVER_COMMANDS

pytestmark = pytest.mark.once  # no database: one run is enough

# Prints {top-level command: [[path, sorted parameter names], ...]} for a registration of
# sys.argv[1] (or of everything when it is "").
TREE_SCRIPT = """
import json, sys
import typer.main
from tradewind.cli.main import register_commands

def walk(command, path):
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield [" ".join(path), sorted(p.name for p in command.params)]
    else:
        for name, sub in sorted(subcommands.items()):
            yield from walk(sub, [*path, name])

root = typer.main.get_command(register_commands(sys.argv[1] or None))
print(json.dumps({name: list(walk(sub, [name])) for name, sub in root.commands.items()}))
"""


def command_trees(command: str) -> dict[str, list[list[object]]]:
    done = subprocess.run(
        [sys.executable, "-c", TREE_SCRIPT, command],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="module")
def full() -> dict[str, list[list[object]]]:
    return command_trees("")


def test_every_command_is_in_the_table(full: dict[str, list[list[object]]]) -> None:
    assert set(full) == set(MODULES_OF_COMMAND) | set(SERVER_COMMANDS)


@pytest.mark.parametrize("command", sorted(set(MODULES_OF_COMMAND) | set(SERVER_COMMANDS)))
def test_a_command_alone_has_its_whole_tree(
    command: str, full: dict[str, list[list[object]]]
) -> None:
    alone = command_trees(command)
    assert alone[command] == full[command]


FULL_HELP_SCRIPT = """
from tradewind.cli.main import register_commands
register_commands(None)(["--help"], prog_name="tradewind")
"""


def _help(command: list[str], columns: int, exit_code: int = 0) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "dumb"}
    env.pop("_TRADEWIND_COMPLETE", None)
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == exit_code, done.stderr
    return done.stdout


@pytest.mark.parametrize("columns", [80, 140])
def test_the_listing_matches_a_full_registration(columns: int) -> None:
    """`tradewind --help` lists the client commands from tradewind.cli.commands.listing without
    importing them: every name, panel and line of help must be what a full registration shows."""
    tradewind = [sys.executable, "-c", "from tradewind.cli.main import main; main()"]
    listed = _help([*tradewind, "--help"], columns)
    assert "push" in listed and "webhook" in listed
    assert listed == _help([sys.executable, "-c", FULL_HELP_SCRIPT], columns)
    no_arguments = _help(tradewind, columns, exit_code=2)  # a usage error that shows the help
    assert no_arguments.rstrip() == listed.rstrip()


def test_the_listing_imports_no_client_command() -> None:
    script = (
        "import sys\nfrom tradewind.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('tradewind.cli.commands.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.splitlines()[-1] == "['tradewind.cli.commands.listing']"
