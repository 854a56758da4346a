"""Human renderings of releases and explanations (the --json output is the server's own)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from tradewind.cli.output import fields, table, when
from tradewind.cli.targets import describe


def percent(value: Any) -> str:
    return f"{float(value):g}%"


def release_line(release: dict[str, Any]) -> str:
    return (
        f"Release {release['id']}: {release['status']} at {percent(release['percentage'])}"
        f" of {describe(release.get('target', []))}"
        f" (package {release['package']['version']}, channel {release['channel']})"
    )


def release_table(releases: Sequence[dict[str, Any]]) -> RenderableType:
    rows = [
        (
            r["id"],
            r["status"],
            percent(r["percentage"]),
            r["package"]["version"],
            describe(r.get("target", [])),
            r["channel"],
            r.get("created_by"),
            r.get("created_at"),
        )
        for r in releases
    ]
    columns = ["id", "status", "rollout", "package", "target", "channel", "by", "created"]
    return table(columns, rows)


def release_detail(release: dict[str, Any]) -> RenderableType:
    config = release["config"]
    resources = [f"{f['path']} ({f['size']} B)" for f in release.get("resources", [])]
    pairs: list[tuple[str, Any]] = [
        ("release", release["id"]),
        ("status", release["status"]),
        ("rollout", percent(release["percentage"])),
        ("target", describe(release.get("target", []))),
        ("channel", release["channel"]),
        ("package", f"{release['package']['version']} (index {release['package']['index']})"),
        ("boot timeout", f"{config['boot_timeout']} ms"),
        ("config timeout", f"{config['release_config_timeout']} ms"),
        ("config version", config["version"]),
        ("properties", config.get("properties") or None),
        ("package properties", release.get("package_properties") or None),
        ("resources", ", ".join(resources) or None),
        ("binary versions", release.get("binary_version_range")),
        ("mandatory", release.get("mandatory")),
        ("rolled back from", release.get("rolled_back_from_id")),
        ("notes", release.get("notes") or None),
        (
            "created",
            f"{when(str(release.get('created_at')))} by {release.get('created_by') or '-'}",
        ),
        ("started", release.get("started_at")),
        ("concluded", release.get("concluded_at")),
    ]
    parts: list[RenderableType] = [fields(pairs)]
    history = release.get("history")
    if history:
        parts.append(Text(""))
        parts.append(history_table(history))
    return Group(*parts)


def history_table(history: Sequence[dict[str, Any]]) -> RenderableType:
    rows = [
        (
            h.get("at"),
            h.get("action"),
            f"{h.get('from_state') or '-'} → {h.get('to_state') or '-'}",
            None if h.get("percentage") is None else percent(h["percentage"]),
            h.get("actor"),
        )
        for h in history
    ]
    return table(["at", "action", "status", "rollout", "by"], rows, title="History")


def explanation(result: dict[str, Any]) -> RenderableType:
    winner = result.get("winner")
    identifier = result.get("identifier")
    lines: list[RenderableType] = [
        Text(
            f"Served: release {winner}" if winner is not None else "Served: nothing (404)",
            style="bold",
        ),
        Text(result.get("reason", "")),
        Text(
            f"channel {result.get('channel')}, device identifier "
            f"{identifier if identifier is not None else '(none: baseline only)'}"
        ),
    ]
    if undefined := result.get("undefined_keys"):
        keys = ", ".join(undefined)
        lines.append(Text(f"not dimensions of this application (ignored): {keys}", style="yellow"))
    for dimension, cohort in sorted((result.get("cohorts") or {}).items()):
        lines.append(Text(f"cohort: {dimension} = {cohort}"))
    lines.append(Text(""))
    for c in result.get("candidates", []):
        facts = [c["status"], f"weight {c['weight']}"]
        if c.get("bucket") is not None:
            facts.append(f"bucket {c['bucket']}")
        mark = "→" if c["release_id"] == winner else "✓" if c["applicable"] else "✗"
        lines.append(Text(f"{mark} release {c['release_id']} ({', '.join(facts)}): {c['reason']}"))
    lines.extend(_property_lines(result.get("properties") or []))
    return Group(*lines)


def _property_lines(properties: list[dict[str, Any]]) -> list[RenderableType]:
    if not properties:
        return []
    lines: list[RenderableType] = [Text(""), Text("config.properties", style="bold")]
    for p in properties:
        origin = f"release {p['release_id']}" if p["source"] == "release" else "default"
        value = json.dumps(p["value"], ensure_ascii=False)
        lines.append(Text(f"  {p['name']} = {value}  ({origin})"))
    return lines
