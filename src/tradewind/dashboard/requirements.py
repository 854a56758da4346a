"""What each dashboard route requires, declared on the route as the API declares its roles
(`web.deps.OrgRole` / `AppRole`), so that the requirement can be read back from the route
table: `@router.post("", dependencies=app_role(Role.ADMIN))`.

The declaration only records itself on the request; the unit of work that needs it checks it
(`session.signed_in`, `session.on_org`, `session.on_app`), in the same transaction as the work.
A route that declares nothing cannot open a signed-in unit of work at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Depends, Request

from tradewind.access.roles import Role

Scope = Literal["public", "signed_in", "site_admin", "org_visible", "org", "app"]


@dataclass(frozen=True, slots=True)
class Requires:
    """`scope`: who may call the route; `role`: the least role on the organisation ("org") or
    the application ("app") that the route needs."""

    scope: Scope
    role: Role | None = None

    async def __call__(self, request: Request) -> None:
        request.state.requirement = self

    def __str__(self) -> str:
        return f"{self.scope} {self.role.value}" if self.role else self.scope


def _declare(requirement: Requires) -> list[Any]:
    return [Depends(requirement)]


def public() -> list[Any]:
    """Anyone, signed in or not (the sign-in form, invitation links)."""
    return _declare(Requires("public"))


def signed_in_user() -> list[Any]:
    """Any signed-in user; nothing organisation-scoped (profile, own tokens, home)."""
    return _declare(Requires("signed_in"))


def site_admin() -> list[Any]:
    return _declare(Requires("site_admin"))


def org_visible() -> list[Any]:
    """The caller may know the organisation exists (a member of it or of one of its apps)."""
    return _declare(Requires("org_visible"))


def org_role(role: Role) -> list[Any]:
    return _declare(Requires("org", role))


def app_role(role: Role) -> list[Any]:
    return _declare(Requires("app", role))


class UndeclaredRequirement(RuntimeError):
    """A programming error: the route's handler needs a requirement it did not declare."""


def declared(request: Request, *scopes: Scope) -> Requires:
    """The route's declared requirement, which must be one of `scopes`."""
    requirement: Requires | None = getattr(request.state, "requirement", None)
    if requirement is None or requirement.scope not in scopes:
        raise UndeclaredRequirement(
            f"{request.method} {request.url.path} declares {requirement}, needs one of {scopes}"
        )
    return requirement
