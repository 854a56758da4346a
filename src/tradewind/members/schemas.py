"""Wire types for organisation and application members."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradewind.access.roles import Role
from tradewind.names import EmailText

# Application memberships cannot be owners: ownership is an organisation-wide responsibility.
AppRoleName = Literal["read", "write", "admin"]


class OrgMemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailText = Field(description="Email of an existing user.")
    role: Role


class OrgMemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class AppMemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailText = Field(description="Email of an existing user.")
    role: AppRoleName


class AppMemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: AppRoleName


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    user_id: int
    email: str
    display_name: str
    role: Role
    managed_by: str | None = Field(
        description="Set when the membership is maintained by an identity-provider group "
        "mapping (manual changes may be overwritten at the member's next sign-in)."
    )
    created_at: datetime
