"""The release form: its fields to a `ReleaseCreate` payload, and the target editor's rows.

The target editor shows one row per dimension of the application: how to compare (any value,
equals, is one of, in a semver range) and the value(s). Values are checked here only for shape;
the release service validates the target against the dimensions (types, ranges) as for the API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tradewind.dashboard.forms import parse_json_object, sentence
from tradewind.errors import TradewindError, ValidationFailed
from tradewind.models import Dimension

ANY = ""
OPERATORS = {"eq": "equals", "in": "is one of", "semver": "in range"}
SEMVER_HINT = "npm-style range, e.g. >=1.2.0 <2.0.0, ^1.2, ~2.0.1, 1.2.x"
# Form fields whose service error codes belong next to them.
FIELDS_BY_CODE = {
    "package_not_found": "package_version",
    "invalid_percentage": "percentage",
    "invalid_binary_version_range": "binary_version_range",
    "resource_in_package": "resources",
    "duplicate_resource": "resources",
    "file_not_found": "resources",
    "release_conflict": "target",
    "invalid_target": "target",
}
NESTED_FIELDS = {"config": 1, "target": 0, "resources": 0}


@dataclass(frozen=True, slots=True)
class TargetRow:
    name: str
    type: str
    op: str
    value: str
    operators: list[tuple[str, str]]

    @property
    def field(self) -> str:
        return f"target.{self.name}"


def target_rows(dimensions: Sequence[Dimension], form: Mapping[str, str]) -> list[TargetRow]:
    """Rows of the target editor, highest priority first, keeping what was entered."""
    rows = []
    for dim in sorted(dimensions, key=lambda d: d.position, reverse=True):
        operators = [(ANY, "any value")] + [
            (op, text) for op, text in OPERATORS.items() if op != "semver" or dim.type == "semver"
        ]
        rows.append(
            TargetRow(
                name=dim.name,
                type=dim.type,
                op=form.get(f"op.{dim.name}", ANY),
                value=form.get(f"value.{dim.name}", ""),
                operators=operators,
            )
        )
    return rows


def target_from_rows(rows: Sequence[TargetRow], errors: dict[str, str]) -> list[dict[str, Any]]:
    conditions = []
    for row in rows:
        value = row.value.strip()
        if row.op == ANY:
            if value:
                errors[row.field] = "Choose how to compare, or clear the value."
            continue
        if row.op not in OPERATORS:
            errors[row.field] = "Unknown comparison."
            continue
        values = [v.strip() for v in value.split(",")] if row.op == "in" else [value]
        values = [v for v in values if v]
        if not values:
            errors[row.field] = "Enter a value" + (
                " (several: separate with commas)." if row.op == "in" else "."
            )
            continue
        conditions.append({"dimension": row.name, "op": row.op, "values": values})
    return conditions


def _int(form: Mapping[str, str], name: str, errors: dict[str, str], default: int) -> int:
    text = form.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        errors[name] = "Enter a whole number."
        return default


def _json(form: Mapping[str, str], name: str, errors: dict[str, str]) -> dict[str, Any] | None:
    try:
        return parse_json_object(form.get(name, ""), name)
    except TradewindError as exc:
        errors[name] = exc.details["fields"][name]
        return None


def release_payload(form: Mapping[str, str], rows: Sequence[TargetRow]) -> dict[str, Any]:
    """The `ReleaseCreate` body for the submitted form; ValidationFailed lists every field
    that cannot even be read (the schema and the service check the rest)."""
    errors: dict[str, str] = {}
    if not form.get("package_version", "").strip():
        errors["package_version"] = "Choose a package."
    payload: dict[str, Any] = {
        "package_version": _int(form, "package_version", errors, 0),
        "config": {
            "boot_timeout": _int(form, "boot_timeout", errors, 1000),
            "release_config_timeout": _int(form, "release_config_timeout", errors, 1000),
            "properties": _json(form, "properties", errors) or {},
        },
        "target": target_from_rows(rows, errors),
        "percentage": form.get("percentage", "").strip() or "0",
        "resources": [
            line.strip() for line in form.get("resources", "").splitlines() if line.strip()
        ],
        "notes": form.get("notes", ""),
        "channel": form.get("channel", "").strip() or "production",
        "mandatory": form.get("mandatory") == "on",
    }
    if form.get("package_properties", "").strip():
        payload["package_properties"] = _json(form, "package_properties", errors)
    if form.get("binary_version_range", "").strip():
        payload["binary_version_range"] = form["binary_version_range"].strip()
    if errors:
        raise ValidationFailed("please correct the highlighted fields", details={"fields": errors})
    return payload


def field_for(key: str) -> str:
    """The form field of a dotted pydantic location, e.g. `config.boot_timeout`."""
    parts = key.split(".")
    depth = NESTED_FIELDS.get(parts[0])
    if depth is None or len(parts) <= depth:
        return parts[0]
    return parts[depth]


def _field_key(key: str) -> str:
    parts = key.split(".")
    if parts[0] == "target" and len(parts) > 1 and not parts[1].isdigit():
        return key  # a target editor row: target.<dimension>
    return field_for(key)


def release_errors(exc: TradewindError) -> dict[str, str]:
    """Errors of the release form keyed by field (the target editor's rows included)."""
    fields = exc.details.get("fields")
    if isinstance(fields, dict) and fields:
        return {_field_key(str(key)): str(value) for key, value in fields.items()}
    message = sentence(exc.message)
    if exc.code == "invalid_target" and "dimension" in exc.details:
        return {f"target.{exc.details['dimension']}": message}
    return {FIELDS_BY_CODE.get(exc.code, "_form"): message}
