"""Property schemas (pure): JSON Schema checks, value validation and resolution.

An application's schema names its remote-config properties; each has a JSON Schema, a default
value and a description. The document a device gets carries the defaults overlaid, per property
name and shallowly, by what the winning release sets: a release states only what it changes,
and an object-valued property is replaced whole, never deep-merged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import exceptions as schema_exceptions
from jsonschema import validators
from jsonschema.protocols import Validator
from jsonschema_specifications import REGISTRY as META_SCHEMAS
from referencing.exceptions import Unresolvable

from tradewind.errors import BadRequest

PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,127}$")
MAX_PROPERTIES = 500


@dataclass(frozen=True, slots=True)
class PropertySpec:
    name: str
    description: str
    default: Any
    schema: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ValueProblem:
    name: str
    problem: str  # unknown_property | schema_violation
    message: str
    path: str = ""  # JSON pointer inside the value, for a schema violation


def compile_validator(name: str, schema: object) -> Validator:
    """A validator for one property's schema (its `$schema`, else Draft 2020-12).

    Raises BadRequest(invalid_property_schema) when the schema itself is not valid.
    """
    if not isinstance(schema, Mapping):
        raise _schema_error(name, "schema_not_object", "the schema must be a JSON object")
    cls = validators.validator_for(schema, default=validators.Draft202012Validator)
    try:
        cls.check_schema(dict(schema))
    except schema_exceptions.SchemaError as exc:
        raise _schema_error(name, "invalid_schema", exc.message) from exc
    # Only the meta-schemas are known: a `$ref` to any other URL is never fetched.
    return cls(schema, registry=META_SCHEMAS)


def first_error(validator: Validator, value: Any) -> tuple[str, str] | None:
    """(message, JSON pointer) of the most relevant violation, or None when the value fits."""
    try:
        error = schema_exceptions.best_match(validator.iter_errors(value))
    except Unresolvable as exc:
        return (f"schema reference cannot be resolved: {exc}", "")
    if error is None:
        return None
    pointer = "".join(f"/{part}" for part in error.absolute_path)
    return (error.message, pointer)


@dataclass(frozen=True)
class PropertySchema:
    """An application's properties, compiled: validate release values, resolve documents."""

    specs: Mapping[str, PropertySpec] = field(default_factory=dict)
    _validators: dict[str, Validator] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, specs: Mapping[str, PropertySpec]) -> PropertySchema:
        """Compile every schema and check every default against it (400 when not)."""
        if len(specs) > MAX_PROPERTIES:
            raise _schema_error("", "too_many_properties", f"at most {MAX_PROPERTIES} properties")
        compiled: dict[str, Validator] = {}
        for name, spec in sorted(specs.items()):
            if not PROPERTY_NAME.fullmatch(name):
                raise _schema_error(
                    name, "invalid_name", "names are letters, digits, _ . - (max 128)"
                )
            validator = compile_validator(name, spec.schema)
            error = first_error(validator, spec.default)
            if error is not None:
                message, path = error
                raise _schema_error(
                    name, "default_violates_schema", f"default_value: {message}", path
                )
            compiled[name] = validator
        return cls(dict(specs), compiled)

    @property
    def defaults(self) -> dict[str, Any]:
        return {name: spec.default for name, spec in self.specs.items()}

    def problems(self, values: Mapping[str, Any]) -> list[ValueProblem]:
        """What is wrong with a release's properties; an empty schema accepts anything."""
        if not self.specs:
            return []
        found: list[ValueProblem] = []
        for name, value in sorted(values.items()):
            validator = self._validators.get(name)
            if validator is None:
                found.append(ValueProblem(name, "unknown_property", "no such property"))
                continue
            error = first_error(validator, value)
            if error is not None:
                found.append(ValueProblem(name, "schema_violation", error[0], error[1]))
        return found

    def check_values(self, values: Mapping[str, Any]) -> None:
        """Raise BadRequest(invalid_property_value) naming the first bad property."""
        problems = self.problems(values)
        if problems:
            first = problems[0]
            raise BadRequest(
                f"property {first.name!r}: {first.message}",
                code="invalid_property_value",
                details={
                    "property": first.name,
                    "problem": first.problem,
                    "error": first.message,
                    "path": first.path,
                },
            )

    def resolve(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults overlaid by the release's values, per property name (shallow)."""
        return {**self.defaults, **overrides}


EMPTY_SCHEMA = PropertySchema()


def _schema_error(name: str, problem: str, message: str, path: str = "") -> BadRequest:
    prefix = f"property {name!r}: " if name else ""
    return BadRequest(
        prefix + message,
        code="invalid_property_schema",
        details={"property": name, "problem": problem, "path": path},
    )
