"""Wire types for invitations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tradewind.access.roles import Role
from tradewind.accounts.schemas import UserOut
from tradewind.members.schemas import AppRoleName
from tradewind.names import DisplayName, EmailText


class OrgInvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailText = Field(description="Who is invited; they need no account yet.")
    role: Role


class AppInvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailText = Field(description="Who is invited; they need no account yet.")
    role: AppRoleName


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    role: Role
    org: str
    app: str | None = Field(description="Set for an invitation to one application.")
    invited_by: str | None
    created_at: datetime
    expires_at: datetime


class InvitationCreated(InvitationOut):
    url: str = Field(description="The single-use link to give the invitee; shown only once.")
    mailed: bool = Field(description="Whether the link was mailed (SMTP settings given).")
    mail_error: str | None = Field(description="Why mailing failed, when it did.")


class InvitationToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200, description="The token of the link.")


class InvitationAccept(InvitationToken):
    """Without a bearer token: creates the account (password required). With one: the
    signed-in user (whose email must be the invited one) joins."""

    password: str | None = Field(None, min_length=1, max_length=1024)
    display_name: DisplayName = ""


class InvitationAccepted(BaseModel):
    org: str
    app: str | None
    role: Role
    user: UserOut
    token: str | None = Field(
        description="A session token for the new account (shown once); null when an existing "
        "account accepted."
    )
    expires_at: datetime | None
