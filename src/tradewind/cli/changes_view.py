"""How the CLI shows what a release changes for devices (`GET …/releases/{id}/changes`)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType

from tradewind.cli.output import table
from tradewind.cli.push import human_size


def _size(value: int | None) -> str:
    return "-" if value is None else human_size(value)


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def changes_summary(changes: dict[str, Any]) -> str:
    against = changes["against_release_id"]
    if against is None:
        return "Nothing was served to this audience before: everything below is new."
    files = len(changes["files"])
    values = (
        len(changes["config"]) + len(changes["properties"]) + len(changes["package_properties"])
    )
    if not files and not values:
        return f"Against release {against}: nothing changes for devices."
    return (
        f"Against release {against} (package {changes['against_package_version']} → "
        f"{changes['package_version']}): {files} file change(s), {values} config/property "
        f"change(s); devices download {human_size(changes['download_bytes'])} of new content."
    )


def changes_view(changes: dict[str, Any]) -> RenderableType:
    file_rows = [
        (c["change"], c["path"], c["kind"], _size(c["old_size"]), _size(c["new_size"]))
        for c in changes["files"]
    ]
    value_rows = [
        (section, c["change"], c["key"], _value(c["old"]), _value(c["new"]))
        for section in ("config", "properties", "package_properties")
        for c in changes[section]
    ]
    parts: list[RenderableType] = [changes_summary(changes)]
    if file_rows:
        parts.append(table(["change", "path", "kind", "old size", "new size"], file_rows))
    if value_rows:
        parts.append(table(["of", "change", "key", "old", "new"], value_rows))
    return Group(*parts)
