"""The OpenAPI document renders, and its operation ids are explicit, unique and stable."""

from __future__ import annotations

import re
from typing import Any

from fixtures.security import route_table
from httpx import AsyncClient

from tradewind.app import TradewindApp

SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


async def test_openapi_renders_with_unique_snake_case_ids(client: AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    document = r.json()
    assert document["info"]["title"] == "Tradewind"
    ids = [
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    # Explicit ids are short snake_case; FastAPI's generated ones end in _api_v1_..._get.
    assert not [i for i in ids if not SNAKE.match(i) or "_api_v1_" in i]


def test_every_api_route_sets_its_operation_id() -> None:
    """Ids derived from the function and path would change with any refactoring."""
    missing = [route.key for route in route_table() if not route.operation_id]
    assert not missing, f"routes without an explicit operation_id: {missing}"


async def test_api_routes_declare_the_error_envelope(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    problems = []
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in operations.items():
            errors = {code for code in operation["responses"] if code.startswith(("4", "5"))}
            if not {"401", "404", "422"} <= errors:
                problems.append(f"{method.upper()} {path}: {sorted(errors)}")
            for code in errors - {"422"}:
                schema = operation["responses"][code].get("content", {}).get("application/json", {})
                if schema.get("schema", {}).get("$ref") != "#/components/schemas/ErrorResponse":
                    problems.append(f"{method.upper()} {path} {code}: not the error envelope")
    assert not problems, "\n".join(problems)


async def test_docs_page(client: AsyncClient, app: TradewindApp) -> None:
    r = await client.get("/docs")
    assert r.status_code == 200
    assert "/openapi.json" in r.text


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        if "$ref" in node:
            found.add(node["$ref"].rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _unbounded_integers(node: Any, where: str) -> list[str]:
    """Integer schemas under `node` without a maximum."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == "integer" and "maximum" not in node:
            found.append(where)
        for key, value in node.items():
            found += _unbounded_integers(value, f"{where}.{key}")
    elif isinstance(node, list):
        for value in node:
            found += _unbounded_integers(value, where)
    return found


async def test_every_integer_a_client_sends_is_bounded(client: AsyncClient) -> None:
    """A number beyond what the database stores (SQLite: 2**63; PostgreSQL's integer columns:
    2**31) must be a 4xx, never a driver error: every integer in a parameter or a request
    body declares its maximum, which the server enforces."""
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    unbounded: list[str] = []
    bodies: set[str] = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['name']}"
                unbounded += _unbounded_integers(parameter.get("schema", {}), where)
            _refs(operation.get("requestBody", {}), bodies)
    pending, seen = list(bodies), set()
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            nested: set[str] = set()
            _refs(schemas[name], nested)
            pending += nested
    for name in sorted(seen):
        unbounded += _unbounded_integers(schemas[name], name)
    assert [where for where in unbounded if where not in CHECKED_IN_CODE] == [], unbounded


# Integers the server bounds in code, with their own error code, before any use.
CHECKED_IN_CODE = {
    "GuardSettings.properties.ramp_steps.anyOf.items",  # 1..100, else 422 invalid_ramp
}
