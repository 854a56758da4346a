"""API tokens: creation within the creator's rights, listing, revocation.

A token never acts beyond its owner's current rights (the access service intersects the
token's restriction with the user's memberships on every request); the checks here only give
clear errors at creation time, and stop a token from minting a more powerful token.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access import repository as access_repo
from tradewind.access.principal import Principal
from tradewind.access.roles import Role, highest
from tradewind.access.service import app_role, can_see_org, org_role
from tradewind.accounts.security import API_TOKEN_PREFIX, new_token
from tradewind.audit.service import record
from tradewind.db import save, save_rows
from tradewind.errors import BadRequest, Conflict, Forbidden, NotFound
from tradewind.members import repository as members_repo
from tradewind.models import ApiToken, Application, Organisation
from tradewind.models.base import utcnow
from tradewind.tokens import repository as repo
from tradewind.tokens.schemas import TokenOut

PREFIX_LENGTH = 12


@dataclass(frozen=True, slots=True)
class TokenRequest:
    name: str
    expires_at: datetime | None = None
    expires_in_days: int | None = None
    org: str | None = None
    app: str | None = None
    max_role: Role | None = None


@dataclass(frozen=True, slots=True)
class NewToken:
    token: str  # the secret, returned once and never stored
    view: TokenOut


def _view(token: ApiToken, org: str | None, app: str | None) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.token_prefix,
        org=org,
        app=app,
        max_role=Role(token.max_role) if token.max_role else None,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        revoked=token.revoked_at is not None,
        expired=token.expires_at is not None and token.expires_at <= utcnow(),
    )


@dataclass(frozen=True, slots=True)
class _Restriction:
    org: Organisation | None = None
    app: Application | None = None


async def _restriction(
    session: AsyncSession, principal: Principal, request: TokenRequest
) -> _Restriction:
    if request.org is None:
        return _Restriction()
    org = await access_repo.org_by_name(session, request.org)
    if org is None or not await can_see_org(session, principal, org):
        raise NotFound(f"organisation '{request.org}' not found", code="organisation_not_found")
    if request.app is None:
        return _Restriction(org)
    app = await access_repo.app_by_name(session, org.id, request.app)
    if app is None or await app_role(session, principal, org, app) is None:
        raise NotFound(f"application '{request.app}' not found", code="application_not_found")
    return _Restriction(org, app)


async def _role_there(
    session: AsyncSession, principal: Principal, where: _Restriction
) -> Role | None:
    assert where.org is not None
    if where.app is not None:
        return await app_role(session, principal, where.org, where.app)
    role = await org_role(session, principal, where.org)
    if role is not None:
        return role
    app_roles = await members_repo.app_roles_in_org(session, where.org.id, principal.user_id)
    return highest(*(Role(r) for r in app_roles))


async def _check_max_role(
    session: AsyncSession, principal: Principal, where: _Restriction, max_role: Role | None
) -> None:
    if max_role is None or where.org is None:
        return
    have = await _role_there(session, principal, where)
    if have is not None and not have.at_least(max_role):
        raise Forbidden(
            f"max_role '{max_role}' is above your current role '{have}' there",
            code="insufficient_role",
            details={"needed": max_role.value, "have": have.value},
        )


def _expiry(request: TokenRequest, now: datetime) -> datetime | None:
    if request.expires_in_days is not None:
        return now + timedelta(days=request.expires_in_days)
    if request.expires_at is not None and request.expires_at <= now:
        raise BadRequest("expires_at is in the past", code="invalid_expiry")
    return request.expires_at


def _beyond_creator(
    creator: ApiToken, where: _Restriction, max_role: Role | None, expires_at: datetime | None
) -> list[str]:
    """What a token made with the `creator` token would gain over it (nothing is allowed)."""
    problems = []
    if creator.org_id is not None and (where.org is None or where.org.id != creator.org_id):
        problems.append("it must be restricted to the same organisation")
    if creator.app_id is not None and (where.app is None or where.app.id != creator.app_id):
        problems.append("it must be restricted to the same application")
    if creator.max_role is not None and (
        max_role is None or not Role(creator.max_role).at_least(max_role)
    ):
        problems.append(f"its max_role must be at most '{creator.max_role}'")
    if creator.expires_at is not None and (expires_at is None or expires_at > creator.expires_at):
        problems.append("it must expire no later than the token creating it")
    return problems


async def _check_within_creator(
    session: AsyncSession,
    principal: Principal,
    where: _Restriction,
    max_role: Role | None,
    expires_at: datetime | None,
) -> None:
    if principal.token is None:
        return
    creator = await repo.token_by_id(session, principal.token.token_id)
    assert creator is not None  # it authenticated this very request
    problems = _beyond_creator(creator, where, max_role, expires_at)
    if problems:
        raise Forbidden(
            "a token created with an API token cannot be more powerful than it: "
            + "; ".join(problems),
            code="token_restricted",
            details={"rules": problems},
        )


def _as_token_holder(principal: Principal, request: TokenRequest) -> Principal:
    """Who the new token will act as. A restricted token is never a site-admin credential
    (see accounts.service), so its restriction is checked against memberships only."""
    restricted = request.org is not None or request.max_role is not None
    return replace(principal, is_site_admin=False) if restricted else principal


async def create_token(
    session: AsyncSession, principal: Principal, request: TokenRequest
) -> NewToken:
    expires_at = _expiry(request, utcnow())
    holder = _as_token_holder(principal, request)
    where = await _restriction(session, holder, request)
    await _check_within_creator(session, principal, where, request.max_role, expires_at)
    await _check_max_role(session, holder, where, request.max_role)
    if await repo.active_name_taken(session, principal.user_id, request.name):
        raise Conflict(f"you already have a token named '{request.name}'", code="token_name_taken")
    secret, secret_hash = new_token(API_TOKEN_PREFIX)
    token = ApiToken(
        user_id=principal.user_id,
        name=request.name,
        token_hash=secret_hash,
        token_prefix=secret[:PREFIX_LENGTH],
        org_id=where.org.id if where.org else None,
        app_id=where.app.id if where.app else None,
        max_role=request.max_role.value if request.max_role else None,
        expires_at=expires_at,
    )
    await save_rows(session, token)
    await _audit(session, principal, token, "token.create")
    view = _view(
        token, where.org.name if where.org else None, where.app.name if where.app else None
    )
    return NewToken(token=secret, view=view)


async def _audit(session: AsyncSession, principal: Principal, token: ApiToken, action: str) -> None:
    await record(
        session,
        principal,
        action,
        "api_token",
        token.id,
        org_id=token.org_id,
        app_id=token.app_id,
        details={"name": token.name, "max_role": token.max_role},
    )


async def list_tokens(session: AsyncSession, principal: Principal) -> list[TokenOut]:
    rows = await repo.list_tokens(session, principal.user_id)
    return [_view(token, org, app) for token, org, app in rows]


async def revoke_token(session: AsyncSession, principal: Principal, token_id: int) -> None:
    """Revoke one of the caller's tokens; revoking twice is harmless."""
    token = await repo.token_by_id(session, token_id)
    if token is None or token.user_id != principal.user_id:
        raise NotFound(f"API token {token_id} not found", code="token_not_found")
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    await save(session)
    await _audit(session, principal, token, "token.revoke")
