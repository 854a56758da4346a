"""Tenant isolation, generated from the route table.

Every management route under /api/v1 is found by walking the application's routes; the
access guards it depends on (OrgRole, AppRole, OrgVisible, SiteAdmin) are read from its
dependency tree. Each principal of `fixtures.security.CALLERS` then calls each guarded route,
and the answer must match what that principal's roles allow:

- allowed: not 401/403, not a 5xx, and not organisation_not_found/application_not_found;
- not allowed: 404 organisation_not_found / application_not_found when it cannot see the
  object, 403 insufficient_role (or site_admin_required) when it sees it but lacks the role.

A route added later is covered without touching this file; a route under /api/v1/orgs/{org}
without a guard fails `test_no_org_route_escapes_access_control`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fixtures.security import (
    CALLERS,
    ApiRoute,
    Caller,
    Guard,
    World,
    call,
    error_code,
    route_table,
)
from httpx import AsyncClient, Response

from tradewind.access.roles import Role
from tradewind.app import TradewindApp
from tradewind.web.deps import AppRole, OrgRole, OrgVisible, SiteAdmin

# Routes that answer without authentication, on purpose: password sign-in, and the
# identity-provider sign-in flow (which is how a caller gets a session in the first place), and
# invitation links (their token is the credential; accepting may create the account).
PUBLIC_ROUTES = {
    "POST /api/v1/auth/login",
    "POST /api/v1/invitations/preview",
    "POST /api/v1/invitations/accept",
}
PUBLIC_PREFIXES = ("/api/v1/auth/oidc/",)
NOT_FOUND_CODES = {"organisation_not_found", "application_not_found"}


ROUTES = route_table()
GUARDED = [route for route in ROUTES if route.guards]


@dataclass(frozen=True)
class Expected:
    allowed: bool
    status: int = 200
    code: str = ""

    def __str__(self) -> str:
        return "allowed" if self.allowed else f"{self.status} {self.code}"


def _denial(caller: Caller, guard: Guard) -> Expected | None:
    if isinstance(guard, SiteAdmin) and not caller.site_admin:
        return Expected(False, 403, "site_admin_required")
    if isinstance(guard, OrgVisible) and not caller.sees_org:
        return Expected(False, 404, "organisation_not_found")
    if isinstance(guard, OrgRole):
        return _role_denial(caller.org_role, guard.role, "organisation_not_found")
    if isinstance(guard, AppRole):
        hidden = "application_not_found" if caller.sees_org else "organisation_not_found"
        return _role_denial(caller.app_role, guard.role, hidden)
    return None


def _role_denial(have: Role | None, needed: Role, hidden: str) -> Expected | None:
    if have is None:
        return Expected(False, 404, hidden)
    if not have.at_least(needed):
        return Expected(False, 403, "insufficient_role")
    return None


def expected(caller: Caller, route: ApiRoute) -> Expected:
    """The first guard (in resolution order) that refuses decides the answer."""
    for guard in route.guards:
        if (denial := _denial(caller, guard)) is not None:
            return denial
    return Expected(True)


def verdict(route: ApiRoute, want: Expected, response: Response) -> bool:
    code = error_code(response)
    if want.allowed:
        return (
            response.status_code not in (401, 403)
            and response.status_code < 500
            and code not in NOT_FOUND_CODES
        )
    # HEAD answers carry no body, so only the status can be compared.
    return response.status_code == want.status and (route.method == "HEAD" or code == want.code)


def test_route_table_is_discovered() -> None:
    """Guard against a vacuous matrix: known routes are found with the right guards."""
    guards = {route.key: route.guards for route in ROUTES}
    assert [type(g) for g in guards["GET /api/v1/orgs/{org}"]] == [OrgRole]
    assert [g.role for g in guards["DELETE /api/v1/orgs/{org}"]] == [Role.OWNER]  # type: ignore[union-attr]
    assert [g.role for g in guards["PATCH /api/v1/orgs/{org}/apps/{app}"]] == [Role.ADMIN]  # type: ignore[union-attr]
    assert [type(g) for g in guards["GET /api/v1/orgs/{org}/apps"]] == [OrgVisible]
    assert [type(g) for g in guards["GET /api/v1/users"]] == [SiteAdmin]
    assert guards["GET /api/v1/me"] == ()
    assert len(GUARDED) >= 20


def test_no_org_route_escapes_access_control() -> None:
    offenders = [
        route.key
        for route in ROUTES
        if route.path.startswith("/api/v1/orgs/{org}") and not route.guards
    ]
    assert not offenders, f"route escapes access control: {offenders}"


@pytest.mark.parametrize("route", GUARDED, ids=lambda route: route.key)
async def test_role_matrix(route: ApiRoute, app: TradewindApp, client: AsyncClient) -> None:
    world = World(app)
    await world.create()
    failures = []
    for caller in CALLERS:
        want = expected(caller, route)
        response = await call(client, route, world.headers(caller))
        if not verdict(route, want, response):
            failures.append(
                f"{caller.name}: expected {want}, got {response.status_code} {error_code(response)}"
            )
        if response.status_code < 400 and route.method not in ("GET", "HEAD"):
            await world.rebuild()  # the call may have changed or deleted the fixture
    assert not failures, f"{route.key}:\n" + "\n".join(failures)


async def test_every_route_requires_authentication(client: AsyncClient) -> None:
    failures = []
    for route in ROUTES:
        if route.key in PUBLIC_ROUTES or route.path.startswith(PUBLIC_PREFIXES):
            continue
        response = await call(client, route, {})
        code = error_code(response)
        if response.status_code != 401 or code not in (None, "authentication_required"):
            failures.append(f"{route.key}: {response.status_code} {code}")
        if route.method != "HEAD" and code is None:
            failures.append(f"{route.key}: no error envelope")
    assert not failures, "\n".join(failures)


async def test_matrix_detects_a_leak(app: TradewindApp, client: AsyncClient) -> None:
    """The verdict really fails when a principal that must not see the org gets an answer."""
    world = World(app)
    await world.create()
    route = next(r for r in ROUTES if r.key == "GET /api/v1/orgs/{org}")
    outsider = next(c for c in CALLERS if c.name == "no_membership")
    owner = next(c for c in CALLERS if c.name == "org_owner")
    allowed = await call(client, route, world.headers(owner))
    assert allowed.status_code == 200
    assert not verdict(route, expected(outsider, route), allowed)
    assert verdict(route, expected(owner, route), allowed)
