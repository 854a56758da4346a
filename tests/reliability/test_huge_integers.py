"""Every integer query parameter refuses values no database integer can hold (finding 4)."""

from __future__ import annotations

from typing import Any

from fixtures.releases import release_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp

HUGE = [str(2**63), str(2**64 + 1), "-" + str(2**63 + 1)]
PATH_VALUES = {"org": "acme", "app": "shop"}


def _integer_query_params(spec: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path.replace("{org}", "").replace("{app}", ""):
            continue
        for param in get.get("parameters", []):
            schema = param.get("schema", {})
            types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
            if param["in"] == "query" and "integer" in types:
                found.append((path.format(**PATH_VALUES), param["name"]))
    return found


async def test_huge_integers_are_4xx_everywhere(
    app: TradewindApp, client: AsyncClient, users: UserFactory
) -> None:
    kit = await release_kit(app, client, users)
    spec = (await client.get("/openapi.json")).json()
    params = _integer_query_params(spec)
    assert len(params) >= 4, params  # offset/limit of files and packages, releases' before
    for path, name in params:
        for value in HUGE:
            r = await client.get(path, params={name: value}, headers=kit.owner.headers)
            assert r.status_code == 422, (path, name, value, r.text)
            assert r.json()["error"]["code"] == "validation_failed"
