"""Rendering: `--json` writes the data as JSON to stdout; otherwise rich text for people.

Errors always go to stderr, as `error: <code>: <message>` or, with `--json`, as the error
envelope `{"error": {"code", "message", "details"}}` on one line, so stdout holds either the
result or nothing.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tradewind.cli.errors import CliError

Row = Sequence[Any]
PIPE_WIDTH = 160
_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})")


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        # Logs and pipes get wide lines rather than tables folded to 80 columns.
        width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else PIPE_WIDTH
        self.out = Console(highlight=False, soft_wrap=True, width=width)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    def json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()

    def result(self, data: Any, *human: Any) -> None:
        """`data` as JSON in --json mode, else each of `human` (text or rich renderables)."""
        if self.as_json:
            self.json(data)
            return
        for item in human:
            self.out.print(Text(item) if isinstance(item, str) else item)

    def note(self, message: str) -> None:
        """Progress or hints for people: stdout normally, stderr in --json mode."""
        (self.err if self.as_json else self.out).print(Text(message))

    def warn(self, message: str) -> None:
        self.err.print(Text("warning: ", style="yellow") + Text(message))


def table(columns: Sequence[str], rows: Iterable[Row], *, title: str | None = None) -> Table | Text:
    rows = list(rows)
    if not rows:
        return Text(f"{title or 'Nothing'}: none.", style="dim") if title else Text("None.")
    grid = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*(cell(value) for value in row))
    return grid


def fields(pairs: Iterable[tuple[str, Any]]) -> Table:
    """A two-column `name  value` listing for one object."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for name, value in pairs:
        grid.add_row(name, cell(value))
    return grid


def cell(value: Any) -> Text:
    if value is None:
        return Text("-", style="dim")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, Text):
        return value
    if isinstance(value, dict | list):
        return Text(json.dumps(value, ensure_ascii=False) if value else "-")
    return Text(when(str(value)))


def when(text: str) -> str:
    """An ISO timestamp from the API, shortened for people; any other text unchanged."""
    if match := _TIMESTAMP.fullmatch(text):
        zone = "UTC" if match[3] in ("Z", "+00:00") else match[3]
        return f"{match[1]} {match[2]} {zone}"
    return text


def report_error(error: CliError, as_json: bool) -> None:
    """Print a command's failure to stderr (never a traceback)."""
    if as_json:
        sys.stderr.write(json.dumps(error.envelope(), ensure_ascii=False) + "\n")
        return
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(Text("error: ", style="bold red") + Text(f"{error.code}: {error.message}"))
    for line in _detail_lines(error.details):
        console.print(Text(f"  {line}"))
    if getattr(error, "status", None) == 401:
        console.print(Text("  sign in again with `tradewind login` (or check TRADEWIND_TOKEN)"))


def _detail_lines(details: dict[str, Any]) -> list[str]:
    lines = []
    for problem in details.get("errors", []) if isinstance(details.get("errors"), list) else []:
        if isinstance(problem, dict):
            where = ".".join(str(part) for part in problem.get("loc", []))
            lines.append(f"{where}: {problem.get('message') or problem.get('msg') or problem}")
    for key, value in details.items():
        if key != "errors":
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False, default=str)}")
    return lines
