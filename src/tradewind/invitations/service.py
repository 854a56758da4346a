"""Invitation rules: who may invite whom with which role, and what accepting does.

An invitation is bound to one email address and one place (an organisation, or one of its
applications). Its link carries a random token that is stored only as a hash, works once, and
expires after `invitation_ttl_hours`. Inviting the same person to the same place again replaces
the earlier link. Accepting needs either a new account for that email (with a password), or
being signed in as that email (with a password or through single sign-on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.roles import Role, highest
from tradewind.access.service import AppAccess, OrgAccess
from tradewind.accounts import repository as accounts_repo
from tradewind.accounts import service as accounts
from tradewind.accounts.security import hash_token, new_token
from tradewind.audit.service import record
from tradewind.db import save, save_rows
from tradewind.errors import Conflict, Forbidden, Gone, NotFound
from tradewind.invitations import repository as repo
from tradewind.invitations.mail import mail_configured, send_mail
from tradewind.invitations.schemas import InvitationOut
from tradewind.members import repository as members_repo
from tradewind.members import service as members
from tradewind.members.repository import Scope
from tradewind.models import Invitation, User
from tradewind.models.base import utcnow
from tradewind.settings import Settings

TOKEN_PREFIX = "twv_"
LINK_PATH = "/dashboard/invite/"


@dataclass(frozen=True, slots=True)
class NewInvitation:
    """A created invitation; `url` holds the token and is shown once."""

    view: InvitationOut
    url: str
    mailed: bool
    mail_error: str | None


def _scope(access: OrgAccess | AppAccess) -> Scope:
    return Scope(access.org.id, access.app.id if isinstance(access, AppAccess) else None)


def _place(access: OrgAccess | AppAccess) -> tuple[str, str | None]:
    return access.org.name, access.app.name if isinstance(access, AppAccess) else None


def _view(invitation: Invitation, org: str, app: str | None, inviter: str | None) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        role=Role(invitation.role),
        org=org,
        app=app,
        invited_by=inviter,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )


def invitation_url(settings: Settings, token: str) -> str:
    return settings.base_url() + LINK_PATH + token


async def _refuse_existing_member(session: AsyncSession, scope: Scope, email: str) -> None:
    user = await accounts_repo.user_by_email(session, email)
    if user is not None and await members_repo.get_member(session, scope, user.id) is not None:
        raise Conflict(f"{email} is already a member here", code="member_exists")


async def invite(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    access: OrgAccess | AppAccess,
    email: str,
    role: Role,
) -> tuple[InvitationOut, str]:
    """Create an invitation (replacing an earlier pending one); returns it and its link."""
    members.check_grant(access, role)
    email = accounts.normalise_email(email)
    scope = _scope(access)
    await members_repo.lock_org(session, scope.org_id)
    await _refuse_existing_member(session, scope, email)
    now = utcnow()
    await repo.revoke_pending(session, scope, email, now)
    token, token_hash = new_token(TOKEN_PREFIX)
    invitation = Invitation(
        org_id=scope.org_id,
        app_id=scope.app_id,
        email=email,
        role=role.value,
        token_hash=token_hash,
        invited_by=principal.user_id,
        created_at=now,
        expires_at=now + timedelta(hours=settings.invitation_ttl_hours),
    )
    await save_rows(session, invitation)
    await record(
        session,
        principal,
        "invitation.create",
        "invitation",
        invitation.id,
        org_id=scope.org_id,
        app_id=scope.app_id,
        to_state=role.value,
        details={"email": email},
    )
    org, app = _place(access)
    return _view(invitation, org, app, principal.email), invitation_url(settings, token)


def _mail_text(view: InvitationOut, url: str, inviter: str) -> tuple[str, str]:
    place = f"the application {view.org}/{view.app}" if view.app else f"the organisation {view.org}"
    subject = f"You are invited to {place} on Tradewind"
    body = (
        f"{inviter} invites you to {place} on Tradewind with the role '{view.role}'.\n\n"
        f"Open this link to accept (it works once, until "
        f"{view.expires_at.strftime('%Y-%m-%d %H:%M UTC')}):\n\n{url}\n\n"
        "If you did not expect this invitation, ignore this mail.\n"
    )
    return subject, body


async def deliver(settings: Settings, view: InvitationOut, url: str) -> NewInvitation:
    """Mail the link when SMTP is configured (call after the invitation is committed)."""
    if not mail_configured(settings):
        return NewInvitation(view, url, mailed=False, mail_error=None)
    subject, body = _mail_text(view, url, view.invited_by or "An administrator")
    error = await send_mail(settings, view.email, subject, body)
    return NewInvitation(view, url, mailed=error is None, mail_error=error)


async def list_pending(session: AsyncSession, access: OrgAccess | AppAccess) -> list[InvitationOut]:
    org, app = _place(access)
    rows = await repo.list_pending(session, _scope(access), utcnow())
    return [_view(invitation, org, app, inviter) for invitation, inviter in rows]


async def revoke(
    session: AsyncSession, principal: Principal, access: OrgAccess | AppAccess, invitation_id: int
) -> None:
    scope = _scope(access)
    invitation = await repo.get_in_scope(session, scope, invitation_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        raise NotFound(f"no pending invitation {invitation_id}", code="invitation_not_found")
    invitation.revoked_at = utcnow()
    await record(
        session,
        principal,
        "invitation.revoke",
        "invitation",
        invitation.id,
        org_id=scope.org_id,
        app_id=scope.app_id,
        details={"email": invitation.email},
    )


async def _usable(session: AsyncSession, token: str) -> Invitation:
    invitation = None
    if token.startswith(TOKEN_PREFIX) and len(token) < 200:
        invitation = await repo.by_token_hash(session, hash_token(token))
    if invitation is None or invitation.revoked_at is not None:
        raise NotFound(
            "this invitation link is not valid (it may have been replaced or withdrawn)",
            code="invitation_not_found",
        )
    if invitation.accepted_at is not None:
        raise Gone("this invitation has already been used", code="invitation_used")
    if invitation.expires_at <= utcnow():
        raise Gone("this invitation has expired; ask for a new one", code="invitation_expired")
    return invitation


async def preview(session: AsyncSession, token: str) -> InvitationOut:
    """What a usable invitation offers, and whether an account exists for its email."""
    invitation = await _usable(session, token)
    org, app = await repo.place_names(session, invitation)
    inviter = await repo.email_of(session, invitation.invited_by)
    return _view(invitation, org.display_name, app.display_name if app else None, inviter)


async def account_exists(session: AsyncSession, email: str) -> bool:
    return await accounts_repo.user_by_email(session, email) is not None


async def _join(session: AsyncSession, invitation: Invitation, user: User) -> InvitationOut:
    scope = Scope(invitation.org_id, invitation.app_id)
    await members_repo.lock_org(session, scope.org_id)
    role = Role(invitation.role)
    membership = await members_repo.get_member(session, scope, user.id)
    if membership is None:
        members_repo.add_member(session, scope, user.id, role)
    else:  # already a member: the invitation never lowers a role
        membership.role = (highest(Role(membership.role), role) or role).value
    invitation.accepted_at = utcnow()
    invitation.accepted_by = user.id
    await save(session)
    principal = Principal(user.id, user.email, user.is_site_admin)
    await record(
        session,
        principal,
        "invitation.accept",
        "invitation",
        invitation.id,
        org_id=scope.org_id,
        app_id=scope.app_id,
        to_state=role.value,
        details={"email": user.email},
    )
    org, app = await repo.place_names(session, invitation)
    return _view(invitation, org.name, app.name if app else None, None)


async def accept_with_new_account(
    session: AsyncSession, settings: Settings, token: str, display_name: str, password: str
) -> tuple[User, InvitationOut]:
    """Create the invitee's account with a password and make it a member."""
    invitation = await _usable(session, token)
    if await account_exists(session, invitation.email):
        raise Conflict(
            f"an account for {invitation.email} already exists: sign in to accept",
            code="account_exists",
        )
    user = await accounts.create_user(
        session, settings, email=invitation.email, display_name=display_name, password=password
    )
    return user, await _join(session, invitation, user)


async def accept_as(session: AsyncSession, principal: Principal, token: str) -> InvitationOut:
    """The signed-in caller accepts an invitation addressed to their own email."""
    invitation = await _usable(session, token)
    if principal.email != invitation.email:
        raise Forbidden(
            f"this invitation is for {invitation.email}; you are signed in as {principal.email}",
            code="invitation_email_mismatch",
        )
    user = await accounts_repo.user_by_id(session, principal.user_id)
    assert user is not None  # the principal was authenticated in this unit of work
    return await _join(session, invitation, user)


async def pending_for_email(session: AsyncSession, email: str) -> bool:
    """Whether someone invited (and not yet joined) has this email: single sign-on may then
    create their account even where the provider does not create accounts by itself."""
    return await repo.has_pending_for_email(session, email, utcnow())
