"""A run of `tradewind COMMAND` registers only the modules the table in
tradewind.cli.commands names for COMMAND: each command's tree of subcommands and parameters
must be the same as with every module registered, and every command must be in the table."""

from __future__ import annotations

import json
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
