"""Accounts: users, password rules, login with rate limits, sessions and bearer auth."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal, TokenScope
from tradewind.access.roles import Role
from tradewind.accounts import repository as repo
from tradewind.accounts.ratelimit import FailureCounter
from tradewind.accounts.security import (
    API_TOKEN_PREFIX,
    SESSION_PREFIX,
    hash_password,
    hash_token,
    new_token,
    verify_password,
)
from tradewind.audit.service import record
from tradewind.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    TradewindError,
    Unauthorized,
)
from tradewind.models import Session, User
from tradewind.models.base import utcnow
from tradewind.settings import Settings

EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
TOUCH_INTERVAL = timedelta(seconds=60)
COMMON_PASSWORDS = frozenset(
    {"password", "password1", "password123", "1234567890", "qwertyuiop", "letmein123"}
)


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise BadRequest("not a valid email address", code="invalid_email")
    return email


def check_password_rules(password: str, email: str, settings: Settings) -> None:
    problems = []
    if len(password) < settings.password_min_length:
        problems.append(f"at least {settings.password_min_length} characters")
    if len(password) > 1024:
        problems.append("at most 1024 characters")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        problems.append("not a common or repetitive password")
    if email.split("@")[0] in password.lower():
        problems.append("must not contain the email's user name")
    if problems:
        raise BadRequest(
            "password too weak: " + "; ".join(problems),
            code="weak_password",
            details={"rules": problems},
        )


async def create_user(
    session: AsyncSession,
    settings: Settings,
    *,
    email: str,
    display_name: str,
    password: str | None,
    is_site_admin: bool = False,
) -> User:
    email = normalise_email(email)
    if password is not None:
        check_password_rules(password, email, settings)
    if await repo.user_by_email(session, email):
        raise Conflict(f"a user with email '{email}' already exists", code="email_taken")
    user = User(
        email=email,
        display_name=display_name.strip() or email.split("@")[0],
        password_hash=hash_password(password) if password is not None else None,
        is_site_admin=is_site_admin,
        disabled=False,
        failed_logins=0,
    )
    session.add(user)
    await session.flush()
    return user


async def update_user(
    session: AsyncSession, principal: Principal, user_id: int, changes: dict[str, object]
) -> User:
    """A site admin changes a user's display name, disabled flag or site-admin flag."""
    user = await repo.user_by_id(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found", code="user_not_found")
    if user.id == principal.user_id and (
        changes.get("disabled") is True or changes.get("is_site_admin") is False
    ):
        raise BadRequest(
            "you cannot disable your own account or drop your own site-admin flag",
            code="cannot_lock_out_self",
        )
    for field, value in changes.items():
        setattr(user, field, value)
    await session.flush()
    await record(
        session, principal, "user.update", "user", user.id, details={"changed": sorted(changes)}
    )
    return user


async def change_password(
    session: AsyncSession, settings: Settings, principal: Principal, current: str, new: str
) -> None:
    """Change the caller's password and sign out their other sessions."""
    if principal.session_id is None:
        raise Forbidden("sign in with your password to change it", code="session_required")
    user = await _active_user(session, principal.user_id)
    if not verify_password(user.password_hash, current):
        raise BadRequest("the current password is wrong", code="wrong_password")
    check_password_rules(new, user.email, settings)
    user.password_hash = hash_password(new)
    await repo.revoke_sessions(session, user.id, utcnow(), keep=principal.session_id)
    await record(session, principal, "user.change_password", "user", user.id)


async def bootstrap_admin(
    session: AsyncSession, settings: Settings, email: str | None, password: str | None
) -> tuple[str, str] | None:
    """Create the first administrator on an empty database; returns its credentials."""
    if await repo.count_users(session) > 0:
        return None
    email = email or "admin@localhost.localdomain"
    password = password or secrets.token_urlsafe(18)
    user = await create_user(
        session,
        settings,
        email=email,
        display_name="Administrator",
        password=password,
        is_site_admin=True,
    )
    return user.email, password


@dataclass(frozen=True, slots=True)
class LoginResult:
    """Either a new session (token shown once) or the error to raise after committing."""

    user: User | None = None
    token: str | None = None
    expires_at: datetime | None = None
    error: TradewindError | None = None


def _too_many(seconds: float) -> RateLimited:
    return RateLimited(
        "too many failed sign-in attempts; try again later",
        code="too_many_login_attempts",
        details={"retry_after_seconds": int(seconds) + 1},
    )


def _account_blocked_for(user: User, settings: Settings) -> float:
    if user.failed_logins < settings.login_max_failures_per_account:
        return 0.0
    if user.last_failed_login_at is None:
        return 0.0
    until = user.last_failed_login_at + timedelta(seconds=settings.login_failure_window_seconds)
    return max(0.0, (until - utcnow()).total_seconds())


def _register_failure(user: User, settings: Settings) -> None:
    now = utcnow()
    window = timedelta(seconds=settings.login_failure_window_seconds)
    stale = user.last_failed_login_at is None or now - user.last_failed_login_at > window
    user.failed_logins = 1 if stale else user.failed_logins + 1
    user.last_failed_login_at = now


async def login(
    session: AsyncSession,
    settings: Settings,
    ip_failures: FailureCounter,
    *,
    email: str,
    password: str,
    client_ip: str,
    kind: str = "api",
) -> LoginResult:
    """Check credentials. Failures are recorded in the returned unit of work, so the caller
    commits first and raises `result.error` afterwards."""
    if (wait := ip_failures.blocked_for(client_ip)) > 0:
        return LoginResult(error=_too_many(wait))
    user = await repo.user_by_email(session, email.strip().lower())
    if user is not None and (wait := _account_blocked_for(user, settings)) > 0:
        return LoginResult(error=_too_many(wait))
    if user is None or user.disabled or not verify_password(user.password_hash, password):
        ip_failures.record_failure(client_ip)
        if user is not None:
            _register_failure(user, settings)
        return LoginResult(
            error=Unauthorized("wrong email or password", code="invalid_credentials")
        )
    user.failed_logins = 0
    token, expires_at = await start_session(session, settings, user, kind)
    return LoginResult(user=user, token=token, expires_at=expires_at)


async def start_session(
    session: AsyncSession, settings: Settings, user: User, kind: str = "api"
) -> tuple[str, datetime]:
    token, token_hash = new_token(SESSION_PREFIX)
    expires_at = utcnow() + timedelta(seconds=settings.session_ttl_seconds)
    session.add(Session(user_id=user.id, token_hash=token_hash, kind=kind, expires_at=expires_at))
    await session.flush()
    return token, expires_at


async def logout(session: AsyncSession, principal: Principal) -> None:
    if principal.session_id is None:
        raise BadRequest("only session tokens can be logged out", code="not_a_session")
    record = await session.get(Session, principal.session_id)
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()


def _invalid(code: str, message: str) -> Unauthorized:
    return Unauthorized(message, code=code)


# Verifies a provider-issued JWT (tradewind.oidc); passed in to keep accounts independent of it.
ExternalAuthenticator = Callable[[AsyncSession, str], Awaitable[Principal]]


def _looks_like_jwt(token: str) -> bool:
    parts = token.split(".")
    return len(parts) == 3 and all(parts[:2]) and len(token) <= 16_384


async def authenticate(
    session: AsyncSession, token: str, external: ExternalAuthenticator | None = None
) -> Principal:
    """Map a bearer token (session, API token, or a single sign-on provider's JWT when
    `external` is given) to a principal, or raise Unauthorized."""
    if token.startswith(SESSION_PREFIX):
        return await _authenticate_session(session, token)
    if token.startswith(API_TOKEN_PREFIX):
        return await _authenticate_api_token(session, token)
    if external is not None and _looks_like_jwt(token):
        return await external(session, token)
    raise _invalid("invalid_token", "unrecognised bearer token")


async def _active_user(session: AsyncSession, user_id: int) -> User:
    user = await repo.user_by_id(session, user_id)
    if user is None or user.disabled:
        raise _invalid("account_disabled", "this account is disabled")
    return user


async def _authenticate_session(session: AsyncSession, token: str) -> Principal:
    record = await repo.session_by_hash(session, hash_token(token))
    now = utcnow()
    if record is None:
        raise _invalid("invalid_token", "unknown or revoked session")
    if record.revoked_at is not None:
        raise _invalid("token_revoked", "this session has been signed out")
    if record.expires_at <= now:
        raise _invalid("token_expired", "this session has expired; sign in again")
    user = await _active_user(session, record.user_id)
    if record.last_used_at is None or now - record.last_used_at > TOUCH_INTERVAL:
        await repo.touch_session(session, record.id, now)
    return Principal(user.id, user.email, user.is_site_admin, session_id=record.id)


async def _authenticate_api_token(session: AsyncSession, token: str) -> Principal:
    record = await repo.api_token_by_hash(session, hash_token(token))
    now = utcnow()
    if record is None:
        raise _invalid("invalid_token", "unknown API token")
    if record.revoked_at is not None:
        raise _invalid("token_revoked", "this API token has been revoked")
    if record.expires_at is not None and record.expires_at <= now:
        raise _invalid("token_expired", "this API token has expired")
    user = await _active_user(session, record.user_id)
    if record.last_used_at is None or now - record.last_used_at > TOUCH_INTERVAL:
        await repo.touch_api_token(session, record.id, now)
    scope = TokenScope(
        token_id=record.id,
        org_id=record.org_id,
        app_id=record.app_id,
        max_role=Role(record.max_role) if record.max_role else None,
    )
    # A site admin's token is not a site-admin credential unless it is unrestricted.
    unrestricted = record.org_id is None and record.app_id is None and record.max_role is None
    return Principal(user.id, user.email, user.is_site_admin and unrestricted, token=scope)
