"""Who is calling: a user, possibly through a restricted API token."""

from __future__ import annotations

from dataclasses import dataclass

from tradewind.access.roles import Role


@dataclass(frozen=True, slots=True)
class TokenScope:
    """Limits of the API token a request was authenticated with."""

    token_id: int
    org_id: int | None
    app_id: int | None
    max_role: Role | None


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    email: str
    is_site_admin: bool
    session_id: int | None = None
    token: TokenScope | None = None
    # How the caller authenticated when it was neither a session nor an API token (e.g. an
    # identity provider's access token); shown in the audit trail.
    via: str | None = None
