"""Accounts: users, password rules, login with rate limits, sessions and bearer auth."""

from __future__ import annotations

import asyncio
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
from tradewind.accounts.signin import check_password
from tradewind.audit.service import record
from tradewind.db import Database, save, save_rows
from tradewind.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
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
GENERATED_PASSWORD_LENGTH = 24
# Shorter user names ("j", "li") would forbid a large share of all passwords.
SHORTEST_USER_NAME_CHECKED = 3


async def _hash(password: str) -> str:
    """argon2 is CPU-bound by design: off the event loop."""
    return await asyncio.to_thread(hash_password, password)


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise BadRequest("not a valid email address", code="invalid_email")
    return email


def password_problems(password: str, email: str, settings: Settings) -> list[str]:
    """The password rules this password breaks, in words a user can act on."""
    problems = []
    if len(password) < settings.password_min_length:
        problems.append(f"at least {settings.password_min_length} characters")
    if len(password) > 1024:
        problems.append("at most 1024 characters")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        problems.append("not a common or repetitive password")
    user_name = email.split("@")[0]
    if len(user_name) >= SHORTEST_USER_NAME_CHECKED and user_name in password.lower():
        problems.append("must not contain the email's user name")
    return problems


def check_password_rules(password: str, email: str, settings: Settings) -> None:
    problems = password_problems(password, email, settings)
    if problems:
        raise BadRequest(
            "password too weak: " + "; ".join(problems),
            code="weak_password",
            details={"rules": problems},
        )


def generate_password(email: str, settings: Settings) -> str:
    """A random password that keeps every rule: a random draw can spell the user name."""
    length = max(settings.password_min_length, GENERATED_PASSWORD_LENGTH)
    while True:
        candidate = secrets.token_urlsafe(length)[:length]
        if not password_problems(candidate, email, settings):
            return candidate


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
        password_hash=await _hash(password) if password is not None else None,
        is_site_admin=is_site_admin,
        disabled=False,
        failed_logins=0,
    )
    await save_rows(session, user)
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
    await save(session)
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
    if not await asyncio.to_thread(verify_password, user.password_hash, current):
        raise BadRequest("the current password is wrong", code="wrong_password")
    check_password_rules(new, user.email, settings)
    user.password_hash = await _hash(new)
    await repo.revoke_sessions(session, user.id, utcnow(), keep=principal.session_id)
    await record(session, principal, "user.change_password", "user", user.id)


async def reset_password(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    user_id: int,
    new_password: str | None,
) -> str | None:
    """A site admin sets a user's password (or has one generated, returned to show once);
    the user's sessions end, so the old password's sessions cannot linger."""
    user = await repo.user_by_id(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found", code="user_not_found")
    generated = None
    if new_password is None:
        new_password = generated = generate_password(user.email, settings)
    check_password_rules(new_password, user.email, settings)
    user.password_hash = await _hash(new_password)
    user.failed_logins = 0
    keep = principal.session_id if user.id == principal.user_id else None
    await repo.revoke_sessions(session, user.id, utcnow(), keep=keep)
    await record(session, principal, "user.reset_password", "user", user.id)
    return generated


async def record_user_created(session: AsyncSession, principal: Principal, user: User) -> None:
    details = {"email": user.email, "site_admin": user.is_site_admin}
    await record(session, principal, "user.create", "user", user.id, details=details)


async def bootstrap_admin(
    session: AsyncSession, settings: Settings, email: str | None, password: str | None
) -> tuple[str, str] | None:
    """Create the first administrator on an empty database; returns its credentials."""
    if await repo.count_users(session) > 0:
        return None
    email = email or "admin@localhost.localdomain"
    password = password or generate_password(normalise_email(email), settings)
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
    """Either a new session (token shown once) or the error to answer with."""

    user: User | None = None
    token: str | None = None
    expires_at: datetime | None = None
    error: TradewindError | None = None


async def login(
    db: Database,
    settings: Settings,
    ip_failures: FailureCounter,
    *,
    email: str,
    password: str,
    client_ip: str,
    kind: str = "api",
) -> LoginResult:
    """Check credentials (failures are counted atomically, see `signin`) and open a session.
    Returns the error instead of raising it, so callers can render it their own way."""
    outcome = await check_password(
        db, settings, ip_failures, email.strip().lower(), password, client_ip
    )
    if isinstance(outcome, TradewindError):
        return LoginResult(error=outcome)
    async with db.unit_of_work() as session:
        user = await repo.user_by_id(session, outcome)
        if user is None:  # deleted between the password check and now
            return LoginResult(error=_invalid("invalid_credentials", "wrong email or password"))
        token, expires_at = await start_session(session, settings, user, kind)
    return LoginResult(user=user, token=token, expires_at=expires_at)


async def start_session(
    session: AsyncSession, settings: Settings, user: User, kind: str = "api"
) -> tuple[str, datetime]:
    token, token_hash = new_token(SESSION_PREFIX)
    expires_at = utcnow() + timedelta(seconds=settings.session_ttl_seconds)
    await repo.add_session(session, user.id, token_hash, kind, expires_at)
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
    return _require_active(await repo.user_by_id(session, user_id))


def _require_active(user: User | None) -> User:
    if user is None or user.disabled:
        raise _invalid("account_disabled", "this account is disabled")
    return user


async def _authenticate_session(session: AsyncSession, token: str) -> Principal:
    found = await repo.session_by_hash(session, hash_token(token))
    now = utcnow()
    if found is None:
        raise _invalid("invalid_token", "unknown or revoked session")
    record, user = found
    if record.revoked_at is not None:
        raise _invalid("token_revoked", "this session has been signed out")
    if record.expires_at <= now:
        raise _invalid("token_expired", "this session has expired; sign in again")
    _require_active(user)
    if record.last_used_at is None or now - record.last_used_at > TOUCH_INTERVAL:
        await repo.touch_session(session, record.id, now)
    return Principal(user.id, user.email, user.is_site_admin, session_id=record.id)


async def _authenticate_api_token(session: AsyncSession, token: str) -> Principal:
    found = await repo.api_token_by_hash(session, hash_token(token))
    now = utcnow()
    if found is None:
        raise _invalid("invalid_token", "unknown API token")
    record, user = found
    if record.revoked_at is not None:
        raise _invalid("token_revoked", "this API token has been revoked")
    if record.expires_at is not None and record.expires_at <= now:
        raise _invalid("token_expired", "this API token has expired")
    _require_active(user)
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
