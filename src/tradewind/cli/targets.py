"""Parsing the `KEY=VALUE` arguments of release commands: targets, contexts and properties.

Target syntax (documented in docs/cli.md):

- `--target KEY=VALUE`: on a string dimension, the value equals VALUE; `KEY=A|B|C` means one of
  A, B, C. On a semver dimension, VALUE is an npm-style range (`>=2.0.0 <3.0.0`, `^2.1`, `2.x`,
  alternatives with `||`).
- `--target-eq KEY=VALUE`: exactly VALUE, taken verbatim (a value containing `|`, or equality
  instead of a range on a semver dimension).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tradewind.cli.errors import UsageProblem

Condition = dict[str, Any]


def split_pair(text: str, flag: str) -> tuple[str, str]:
    """`KEY=VALUE` → (KEY, VALUE), split at the first `=`, both sides trimmed."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key:
        raise UsageProblem("invalid_argument", f"{flag} expects KEY=VALUE, got {text!r}")
    return key, value


def condition(text: str, dimension_types: Mapping[str, str]) -> Condition:
    """One `--target KEY=VALUE` as a wire condition, interpreted by the dimension's type."""
    key, value = split_pair(text, "--target")
    if not value:
        raise UsageProblem("invalid_argument", f"--target {key}= needs a value")
    if dimension_types.get(key) == "semver":
        return {"dimension": key, "op": "semver", "values": [value]}
    if "|" in value:
        values = [part.strip() for part in value.split("|")]
        if any(not part for part in values):
            raise UsageProblem("invalid_argument", f"empty alternative in --target {text!r}")
        return {"dimension": key, "op": "in", "values": values}
    return {"dimension": key, "op": "eq", "values": [value]}


def exact_condition(text: str) -> Condition:
    key, value = split_pair(text, "--target-eq")
    return {"dimension": key, "op": "eq", "values": [value]}


def target(
    loose: Iterable[str], exact: Iterable[str], dimension_types: Mapping[str, str]
) -> list[Condition]:
    conditions = [condition(t, dimension_types) for t in loose]
    conditions += [exact_condition(t) for t in exact]
    seen: set[str] = set()
    for item in conditions:
        if item["dimension"] in seen:
            raise UsageProblem(
                "invalid_argument",
                f"dimension '{item['dimension']}' is targeted twice: one condition per dimension",
            )
        seen.add(item["dimension"])
    return conditions


def context(pairs: Iterable[str]) -> dict[str, str]:
    """`--context KEY=VALUE` pairs as a request context (values are strings, like x-dimension)."""
    result: dict[str, str] = {}
    for text in pairs:
        key, value = split_pair(text, "--context")
        result[key] = value
    return result


def properties(pairs: Iterable[str]) -> dict[str, Any]:
    """`--property KEY=VALUE`: VALUE is parsed as JSON when it is JSON, else kept as a string."""
    result: dict[str, Any] = {}
    for text in pairs:
        key, value = split_pair(text, "--property")
        try:
            result[key] = json.loads(value)
        except ValueError:
            result[key] = value
    return result


def json_object(path: Path, flag: str) -> dict[str, Any]:
    """A JSON object read from a file (`-` is not special: give a real path)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageProblem(
            "unreadable_file", f"{flag}: cannot read {path}: {exc.strerror}"
        ) from exc
    except ValueError as exc:
        raise UsageProblem("invalid_json", f"{flag}: {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageProblem("invalid_json", f"{flag}: {path} must hold a JSON object")
    return data


def describe(conditions: Iterable[Mapping[str, Any]]) -> str:
    """A target for people: `os = android, app_version in range >=2.0.0 <3.0.0`."""
    parts = []
    for c in conditions:
        values = c.get("values", [])
        if c.get("op") == "eq":
            parts.append(f"{c['dimension']} = {values[0]}")
        elif c.get("op") == "in":
            parts.append(f"{c['dimension']} in {'|'.join(values)}")
        else:
            parts.append(f"{c['dimension']} in range {values[0]}")
    return ", ".join(parts) or "everyone"
