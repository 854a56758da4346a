"""FastAPI dependencies: the request's unit of work, the caller, and access checks.

Access checks are callable objects (`OrgRole`, `AppRole`, ...) so that the role each route
requires can be read back from the route table (the tenant-isolation test does exactly that).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access import service as access
from tradewind.access.principal import Principal
from tradewind.access.roles import Role
from tradewind.accounts import service as accounts
from tradewind.context import AppContext
from tradewind.errors import Forbidden, Unauthorized
from tradewind.models import Organisation


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


async def db_session(ctx: Ctx) -> AsyncIterator[AsyncSession]:
    """One unit of work per request; committed before the response is sent."""
    async with ctx.db.unit_of_work() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(db_session, scope="function")]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def current_principal(request: Request, session: DbSession, ctx: Ctx) -> Principal:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("sign in or send an API token", code="authentication_required")
    external = ctx.oidc.authenticate_bearer if ctx.oidc.enabled else None
    principal = await accounts.authenticate(session, token, external=external)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


class SiteAdmin:
    """Requires a site administrator."""

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if not principal.is_site_admin:
            raise Forbidden("site administrators only", code="site_admin_required")
        return principal


class OrgRole:
    """Requires at least `role` on the organisation named by the `{org}` path parameter."""

    def __init__(self, role: Role) -> None:
        self.role = role

    async def __call__(
        self, org: str, session: DbSession, principal: CurrentPrincipal
    ) -> access.OrgAccess:
        return await access.require_org(session, principal, org, self.role)


class AppRole:
    """Requires at least `role` on the application named by `{org}`/`{app}`."""

    def __init__(self, role: Role) -> None:
        self.role = role

    async def __call__(
        self, org: str, app: str, session: DbSession, principal: CurrentPrincipal
    ) -> access.AppAccess:
        return await access.require_app(session, principal, org, app, self.role)


class OrgVisible:
    """Requires only that the caller may know the organisation `{org}` exists (a role on it
    or on any of its applications); for lists the route then filters by role."""

    async def __call__(
        self, org: str, session: DbSession, principal: CurrentPrincipal
    ) -> Organisation:
        return await access.require_org_visible(session, principal, org)


OrgViewer = Annotated[Organisation, Depends(OrgVisible())]
OrgReader = Annotated[access.OrgAccess, Depends(OrgRole(Role.READ))]
OrgWriter = Annotated[access.OrgAccess, Depends(OrgRole(Role.WRITE))]
OrgAdmin = Annotated[access.OrgAccess, Depends(OrgRole(Role.ADMIN))]
OrgOwner = Annotated[access.OrgAccess, Depends(OrgRole(Role.OWNER))]
AppReader = Annotated[access.AppAccess, Depends(AppRole(Role.READ))]
AppWriter = Annotated[access.AppAccess, Depends(AppRole(Role.WRITE))]
AppAdmin = Annotated[access.AppAccess, Depends(AppRole(Role.ADMIN))]
AppOwner = Annotated[access.AppAccess, Depends(AppRole(Role.OWNER))]
RequireSiteAdmin = Annotated[Principal, Depends(SiteAdmin())]
