"""Who a provider's verified claims belong to: linking, provisioning and domain rules.

A token maps to a Tradewind user by its (issuer, subject) link when one exists; otherwise by
its email — only when the provider says the email is verified (`email_verified` true, when the
claim is present) and its domain is allowed — and the link is then recorded. A user unknown
by both is created when the provider allows it (`auto_create_users`) or when a pending invitation
is addressed to that email, else refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.accounts import repository as accounts_repo
from tradewind.accounts import service as accounts
from tradewind.audit.service import record
from tradewind.errors import BadRequest, Conflict, Forbidden, TradewindError, Unauthorized
from tradewind.invitations import service as invitations
from tradewind.models import User
from tradewind.oidc import groups
from tradewind.oidc import repository as repo
from tradewind.settings import OIDCProviderSettings, Settings

DEFAULT_GROUPS_CLAIM = "groups"


@dataclass(frozen=True, slots=True)
class ExternalIdentity:
    provider: str
    issuer: str
    subject: str
    email: str | None  # normalised; None when absent or not an email address
    email_verified: bool
    display_name: str
    groups: tuple[str, ...] | None  # None: leave managed memberships alone


def _claim_email(config: OIDCProviderSettings, claims: dict[str, Any]) -> str | None:
    value = claims.get(config.email_claim)
    if not isinstance(value, str):
        return None
    try:
        return accounts.normalise_email(value)
    except BadRequest:
        return None


def _groups(
    config: OIDCProviderSettings, claims: dict[str, Any], *, complete: bool
) -> tuple[str, ...] | None:
    """The groups to sync, or None to leave managed memberships alone.

    An absent claim means "no group" only when the claims are `complete` (an interactive
    sign-in: ID token plus userinfo) and the provider is set to `missing_groups_claim="empty"`;
    Keycloak omits the claim for a user in no group. A bearer token without the claim may just
    lack the groups scope, so it never removes anything.
    """
    if not config.group_mapping:
        return None
    name = config.groups_claim or DEFAULT_GROUPS_CLAIM
    if name not in claims:
        return () if complete and config.missing_groups_claim == "empty" else None
    value = claims[name]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return None
    return tuple(v for v in value if isinstance(v, str))


def identity_from_claims(
    config: OIDCProviderSettings, issuer: str, claims: dict[str, Any], *, complete: bool
) -> ExternalIdentity:
    """`complete`: the claims are the full picture (ID token + userinfo), not a bearer token."""
    verified = claims.get("email_verified", True)  # absent: the provider vouches for it
    name = claims.get("name") or claims.get("preferred_username") or ""
    return ExternalIdentity(
        provider=config.name,
        issuer=issuer,
        subject=str(claims["sub"]),
        email=_claim_email(config, claims),
        email_verified=verified is True or verified == "true",
        display_name=str(name)[:200],
        groups=_groups(config, claims, complete=complete),
    )


def _check_domain(config: OIDCProviderSettings, email: str | None) -> None:
    allowed = {d.strip().lstrip("@").lower() for d in config.allowed_email_domains}
    if not allowed or email is None:
        return
    if email.rsplit("@", 1)[1] not in allowed:
        raise Forbidden(
            "your email domain may not sign in here",
            code="oidc_email_domain_not_allowed",
            details={"allowed_domains": sorted(allowed)},
        )


def _usable(user: User) -> User:
    if user.disabled:
        raise Unauthorized("this account is disabled", code="account_disabled")
    return user


async def resolve_user(
    session: AsyncSession, settings: Settings, config: OIDCProviderSettings, ext: ExternalIdentity
) -> User:
    """The Tradewind user for a verified identity, linking or creating it when allowed."""
    _check_domain(config, ext.email)
    linked = await repo.user_by_identity(session, ext.issuer, ext.subject)
    if linked is not None:
        return _usable(linked)
    if ext.email is None:
        raise Forbidden(
            f"the provider sent no usable email in the '{config.email_claim}' claim",
            code="oidc_email_missing",
        )
    if not ext.email_verified:
        raise Forbidden("the provider has not verified your email", code="oidc_email_not_verified")
    user = await accounts_repo.user_by_email(session, ext.email)
    invited = user is None and await invitations.pending_for_email(session, ext.email)
    if user is None and not config.auto_create_users and not invited:
        raise Forbidden(
            f"no Tradewind account for {ext.email}; ask an administrator to create one",
            code="oidc_user_not_provisioned",
        )
    if user is None:
        user = await _create_user(session, settings, ext)
    _usable(user)
    try:
        await repo.add_identity(session, user.id, ext.issuer, ext.subject)
    except IntegrityError as exc:  # the same first sign-in, twice at once
        raise Conflict("a parallel sign-in got there first; try again", code="oidc_race") from exc
    return user


async def _create_user(session: AsyncSession, settings: Settings, ext: ExternalIdentity) -> User:
    assert ext.email is not None
    try:
        user = await accounts.create_user(
            session, settings, email=ext.email, display_name=ext.display_name, password=None
        )
    except IntegrityError as exc:
        raise Conflict("a parallel sign-in got there first; try again", code="oidc_race") from exc
    await record(
        session,
        None,
        "user.create",
        "user",
        user.id,
        details={"email": user.email, "source": groups.managed_by(ext.provider)},
    )
    return user


async def sign_in_user(
    session: AsyncSession, settings: Settings, config: OIDCProviderSettings, ext: ExternalIdentity
) -> User:
    """An interactive sign-in: resolve the user and refresh the memberships the groups map."""
    user = await resolve_user(session, settings, config, ext)
    if ext.groups is not None:
        await groups.sync_memberships(session, config.name, user, ext.groups)
    return user


@dataclass(frozen=True, slots=True)
class NewSession:
    user: User
    token: str
    expires_at: datetime


async def start_session(
    session: AsyncSession, settings: Settings, user: User, kind: str
) -> NewSession:
    token, expires_at = await accounts.start_session(session, settings, user, kind)
    return NewSession(user, token, expires_at)


async def user_for_handoff(session: AsyncSession, user_id: int) -> User:
    user = await accounts_repo.user_by_id(session, user_id)
    if user is None:
        raise Unauthorized("this account no longer exists", code="account_disabled")
    return _usable(user)


def error_params(exc: TradewindError) -> dict[str, str]:
    """How a failed CLI sign-in is reported to the CLI's loopback listener."""
    return {"error": exc.code, "error_description": exc.message}
