"""The read-model convention of docs/architecture.md, checked on the source tree (`ast`).

A response is a `*Out` schema of a domain's `schemas.py`. It is built by the schema itself
from attributes (`XOut.model_validate(row)`), by one `x_out(...)` function in the domain's
`api.py` when it combines several objects, or returned as is by a service that computes exactly
that answer. Two things must not come back: a dataclass that copies a schema field for field
(a mirror to keep in step), and constructors hung on schemas (`XOut.of(...)`).
"""

from __future__ import annotations

import ast

import pytest
from fixtures.source_tree import Module, modules

pytestmark = pytest.mark.once  # reads source files only

MIN_MIRRORED_FIELDS = 3


def _fields(node: ast.ClassDef) -> frozenset[str]:
    return frozenset(
        item.target.id
        for item in node.body
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
    )


def _classes(module: Module) -> list[ast.ClassDef]:
    return [node for node in module.tree.body if isinstance(node, ast.ClassDef)]


def _is_dataclass(node: ast.ClassDef) -> bool:
    return any("dataclass" in ast.unparse(decorator) for decorator in node.decorator_list)


def _is_schema(node: ast.ClassDef) -> bool:
    return any(ast.unparse(base) in ("BaseModel", "RootModel") for base in node.bases)


def _schemas() -> dict[str, frozenset[str]]:
    return {
        f"{module.name}.{node.name}": _fields(node)
        for module in modules()
        if module.name.endswith(".schemas")
        for node in _classes(module)
        if _is_schema(node)
    }


def test_the_check_sees_the_schemas() -> None:
    schemas = _schemas()
    assert "tradewind.tokens.schemas.TokenOut" in schemas
    assert len(schemas["tradewind.tokens.schemas.TokenOut"]) >= MIN_MIRRORED_FIELDS


def _read_side(module: Module) -> bool:
    """Services and read sides (`views.py`): where a view for a response would be defined.
    Value objects of the domain's own logic (targeting conditions, received files) may share
    a schema's fields without being copies of it."""
    return module.name.endswith((".service", ".views"))


def test_no_dataclass_mirrors_a_response_schema() -> None:
    schemas = _schemas()
    mirrors = [
        f"{module.relative}:{node.lineno} {node.name} copies {schema}"
        for module in modules()
        if _read_side(module)
        for node in _classes(module)
        if _is_dataclass(node) and len(_fields(node)) >= MIN_MIRRORED_FIELDS
        for schema, fields in schemas.items()
        if schema.endswith("Out") and fields == _fields(node)
    ]
    assert not mirrors, "return the schema itself instead:\n" + "\n".join(mirrors)


def test_schemas_carry_no_constructors_from_domain_objects() -> None:
    constructors = [
        f"{module.relative}:{item.lineno} {node.name}.{item.name}"
        for module in modules()
        if module.name.endswith(".schemas")
        for node in _classes(module)
        if _is_schema(node)
        for item in node.body
        if isinstance(item, ast.FunctionDef)
        and any(ast.unparse(d) == "classmethod" for d in item.decorator_list)
        and not any("validator" in ast.unparse(d) for d in item.decorator_list)
    ]
    assert not constructors, "build it in the domain's api.py (`x_out`):\n" + "\n".join(
        constructors
    )
