"""Hostile path parameters never crash a route: every answer is a 4xx (or a success) with
the error envelope, never a 5xx. Generated from the route table like the role matrix."""

from __future__ import annotations

import re

from fixtures.security import APP, CALLERS, ORG, ApiRoute, World, call, error_code, route_table
from httpx import ASGITransport, AsyncClient

from tradewind.app import TradewindApp

GUARDED = [route for route in route_table() if route.guards]
# For ids, names and paths; org/app names all go through the same access checks, so fewer.
NASTY = ["99999999999999999999", "-1", "%00", "x" * 300, "%C3%A9t%C3%A9", "a%2F..%2Fb"]
NASTY_NAMES = ["99999999999999999999", "%00", "x" * 300]


def _with(route: ApiRoute, value: str, names: bool) -> ApiRoute:
    """The route with every parameter (or only `{org}`/`{app}` when `names`) set to `value`."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if names:
            return value if name in ("org", "app") else "1"
        return {"org": ORG, "app": APP}.get(name, value)

    path = re.sub(r"\{(\w+)(?::\w+)?\}", fill, route.path)
    return ApiRoute(route.method, path, route.guards)


async def test_hostile_path_parameters(app: TradewindApp) -> None:
    # Unhandled errors become 500 answers (as in production) instead of raising here.
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    world = World(app)
    await world.create()
    failures = []
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        for route in GUARDED:
            failures += await _attack(route, world, client)
    assert not failures, "\n".join(failures)


async def _attack(route: ApiRoute, world: World, client: AsyncClient) -> list[str]:
    admin = world.headers(next(c for c in CALLERS if c.site_admin))
    failures = []
    has_params = re.search(r"\{(?!org\}|app\})\w+", route.path) is not None
    attempts = [(v, True) for v in NASTY_NAMES] + [(v, False) for v in NASTY if has_params]
    for value, names in attempts:
        target = _with(route, value, names)
        response = await call(client, target, admin)
        code = error_code(response)
        if response.status_code >= 500 or (
            route.method != "HEAD" and code is None and response.status_code >= 400
        ):
            failures.append(f"{route.method} {target.path[:120]}: {response.status_code} {code}")
        if response.status_code < 400 and route.method not in ("GET", "HEAD"):
            await world.rebuild()
    return failures
