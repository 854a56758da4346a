"""The head revisions of the migration scripts, read from their source without Alembic.

Importing Alembic and loading every script costs a start-up a good fraction of a second; a
server whose database is already at head needs neither. When the scripts cannot be read
this way (an unusual layout), `script_heads` returns None and the caller runs Alembic.
"""

from __future__ import annotations

import re
from pathlib import Path

VERSIONS_DIR = Path(__file__).parent / "versions"
_ASSIGNMENT = r"^{name}(?:\s*:[^=\n]*)?\s*=\s*(.*)$"
_REVISION = re.compile(_ASSIGNMENT.format(name="revision"), re.MULTILINE)
_DOWN_REVISION = re.compile(_ASSIGNMENT.format(name="down_revision"), re.MULTILINE)
_QUOTED = re.compile(r"""["']([^"']+)["']""")


def script_heads(directory: Path = VERSIONS_DIR) -> frozenset[str] | None:
    """Revisions no other script names as its `down_revision`."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in directory.glob("*.py"):
        if script.name == "__init__.py":
            continue
        source = script.read_text(encoding="utf-8")
        revision = _REVISION.search(source)
        down = _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        names = _QUOTED.findall(revision.group(1))
        if len(names) != 1:
            return None
        revisions.add(names[0])
        parents.update(_QUOTED.findall(down.group(1)))
    heads = revisions - parents
    return frozenset(heads) if heads else None
