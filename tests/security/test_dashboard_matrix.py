"""Tenant isolation on the dashboard, generated from its route table.

Every dashboard route is found by walking the dashboard application, with the requirement it
declares on itself (`fixtures.dashboard_routes`; a route without exactly one fails
`test_every_dashboard_route_declares_one_requirement`). Each signed-in principal of
`fixtures.security` (API-token principals cannot use the dashboard) then calls each
organisation-scoped route with its session cookie and a valid CSRF token, and the answer must
match the declaration:

- allowed: not 401/403, not a 5xx, not organisation_not_found/application_not_found, and
  not a redirect to the sign-in page;
- not allowed: 404 organisation_not_found / application_not_found when it cannot see the
  object, 403 insufficient_role when it sees it but lacks the role (the error page names the
  code).

Every route also sends an anonymous browser to the sign-in page, and every form action
refuses a signed-in post without the CSRF token.
"""

from __future__ import annotations

import re

import pytest
from fixtures.dashboard_routes import DASHBOARD_ROUTES
from fixtures.security import APP, CALLERS, ORG, Caller, World
from httpx import AsyncClient, Response

from tradewind.access.roles import Role
from tradewind.app import TradewindApp
from tradewind.dashboard.requirements import Requires
from tradewind.dashboard.security import CSRF_HEADER, SESSION_COOKIE, csrf_token

PREFIX = "/dashboard"
CODE = re.compile(r"Error code: <code>([a-z0-9_]+)</code>")
NOT_FOUND_CODES = {"organisation_not_found", "application_not_found"}
FILL = {
    "org": ORG,
    "app": APP,
    "email": "nobody@example.com",
    "action": "pause",
    "name": "country",
}
SESSION_CALLERS = [caller for caller in CALLERS if caller.token is None]
ROUTES = list(DASHBOARD_ROUTES)
UNSCOPED = ("public", "signed_in")
SCOPED = [
    key for key, need in DASHBOARD_ROUTES.items() if need is not None and need.scope not in UNSCOPED
]


def is_public(key: str) -> bool:
    need = DASHBOARD_ROUTES[key]
    return need is not None and need.scope == "public"


def url(key: str) -> str:
    path = key.split(" ", 1)[1]
    return PREFIX + re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: FILL.get(m.group(1), "1"), path)


def error_code(response: Response) -> str | None:
    found = CODE.search(response.text)
    return found.group(1) if found else None


def signs_in(response: Response) -> bool:
    return response.status_code == 303 and response.headers.get("location", "").startswith(
        f"{PREFIX}/login"
    )


def expected(caller: Caller, key: str) -> tuple[int, str] | None:
    """None when allowed, else the (status, code) the caller must get."""
    need = DASHBOARD_ROUTES[key]
    assert need is not None
    if need.scope == "org_visible":
        return None if caller.sees_org else (404, "organisation_not_found")
    if need.scope == "site_admin":
        return None if caller.site_admin else (403, "site_admin_required")
    assert need.scope in ("org", "app") and need.role is not None
    if need.scope == "org":
        have, hidden = caller.org_role, "organisation_not_found"
    else:
        have = caller.app_role
        hidden = "application_not_found" if caller.sees_org else "organisation_not_found"
    if caller.site_admin:
        return None
    if have is None:
        return 404, hidden
    return None if have.at_least(need.role) else (403, "insufficient_role")


async def send(
    client: AsyncClient, app: TradewindApp, key: str, session: str | None, csrf: bool = True
) -> Response:
    method = key.split(" ", 1)[0]
    headers = {}
    if session is not None:
        headers["cookie"] = f"{SESSION_COOKIE}={session}"
        if csrf:
            secret = app.ctx.settings.resolved_secret_key()
            headers[CSRF_HEADER] = csrf_token(secret, session)
    data = {} if method == "POST" else None
    return await client.request(method, url(key), headers=headers, data=data)


def test_every_dashboard_route_declares_one_requirement() -> None:
    assert len(ROUTES) >= 40 and len(SCOPED) >= 30  # the walk finds the dashboard
    undeclared = sorted(key for key, need in DASHBOARD_ROUTES.items() if need is None)
    assert not undeclared, (
        "declare exactly one requirement on these routes, e.g. "
        f"`dependencies=app_role(Role.WRITE)` (tradewind.dashboard.requirements): {undeclared}"
    )


@pytest.mark.parametrize("key", SCOPED)
async def test_dashboard_role_matrix(key: str, app: TradewindApp, client: AsyncClient) -> None:
    world = World(app)
    await world.create()
    failures = []
    for caller in SESSION_CALLERS:
        want = expected(caller, key)
        response = await send(client, app, key, world.sessions[caller.name])
        status, code = response.status_code, error_code(response)
        if want is None:
            ok = status not in (401, 403) and status < 500 and code not in NOT_FOUND_CODES
            ok = ok and not signs_in(response)
        else:
            ok = (status, code) == want
        if not ok:
            failures.append(f"{caller.name}: expected {want or 'allowed'}, got {status} {code}")
        if status < 400 and key.startswith("POST"):
            await world.rebuild()  # the call may have changed or deleted the fixture
    assert not failures, f"{key}:\n" + "\n".join(failures)


async def test_anonymous_browsers_are_sent_to_sign_in(client: AsyncClient) -> None:
    failures = []
    for key in ROUTES:
        response = await client.request(key.split(" ", 1)[0], url(key), data={})
        if is_public(key):
            if response.status_code >= 500:
                failures.append(f"{key}: {response.status_code}")
        elif not signs_in(response):
            failures.append(f"{key}: {response.status_code} {response.headers.get('location')}")
    assert not failures, "\n".join(failures)


async def test_form_actions_refuse_a_post_without_csrf(
    app: TradewindApp, client: AsyncClient
) -> None:
    world = World(app)
    await world.create()
    owner = world.sessions["org_owner"]
    failures = []
    for key in ROUTES:
        if not key.startswith("POST") or is_public(key):
            continue
        response = await send(client, app, key, owner, csrf=False)
        if (response.status_code, error_code(response)) != (403, "csrf_failed"):
            failures.append(f"{key}: {response.status_code} {error_code(response)}")
    assert not failures, "\n".join(failures)


def test_the_matrix_expects_denials() -> None:
    """Guard against a vacuous matrix: the declaration denies as the API does."""
    outsider = next(c for c in SESSION_CALLERS if c.name == "no_membership")
    reader = next(c for c in SESSION_CALLERS if c.name == "app_read")
    delete_org = "POST /orgs/{org}/delete"
    assert expected(outsider, delete_org) == (404, "organisation_not_found")
    assert expected(reader, delete_org) == (404, "organisation_not_found")
    assert expected(reader, "GET /orgs/{org}/apps/{app}") is None
    assert expected(reader, "POST /orgs/{org}/apps/{app}/releases") == (403, "insufficient_role")
    assert DASHBOARD_ROUTES[delete_org] == Requires("org", Role.OWNER)


# The declarations live on the routes, so the matrix enforces whatever they say; these pin the
# routes whose requirement must never be lowered by accident.
PINNED = {
    "POST /orgs/{org}/delete": Requires("org", Role.OWNER),
    "POST /orgs/{org}/members": Requires("org", Role.ADMIN),
    "POST /orgs/{org}/apps/{app}/delete": Requires("app", Role.ADMIN),
    "POST /orgs/{org}/apps/{app}/members/{email}/role": Requires("app", Role.ADMIN),
    "POST /orgs/{org}/apps/{app}/keys/create": Requires("app", Role.ADMIN),
    "POST /orgs/{org}/apps/{app}/keys/uploads/policy": Requires("app", Role.ADMIN),
    "POST /orgs/{org}/apps/{app}/ingest/rotate": Requires("app", Role.ADMIN),
    "POST /orgs/{org}/apps/{app}/releases": Requires("app", Role.WRITE),
    "POST /orgs/{org}/apps/{app}/releases/{release_id}/{action}": Requires("app", Role.WRITE),
    "POST /orgs/{org}/apps/{app}/packages/upload": Requires("app", Role.WRITE),
    "POST /admin/users": Requires("site_admin"),
    "POST /admin/users/{user_id}/site-admin": Requires("site_admin"),
}


def test_sensitive_routes_keep_their_requirement() -> None:
    changed = {key: str(DASHBOARD_ROUTES.get(key)) for key, need in PINNED.items()}
    assert changed == {key: str(need) for key, need in PINNED.items()}
