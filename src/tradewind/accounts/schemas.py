"""Wire types for accounts and sessions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from tradewind.names import DisplayName, EmailText


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailText
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    display_name: str
    is_site_admin: bool
    disabled: bool
    created_at: datetime


class LoginResponse(BaseModel):
    token: str = Field(description="Bearer token; shown only once.")
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailText
    display_name: DisplayName = ""
    password: str = Field(min_length=1, max_length=1024)
    is_site_admin: StrictBool = False


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: DisplayName | None = None
    disabled: StrictBool | None = None
    is_site_admin: StrictBool | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str | None = Field(
        None, min_length=1, max_length=1024, description="The new password; omit to generate one."
    )


class PasswordResetOut(BaseModel):
    generated_password: str | None = Field(
        description="The generated password (shown once); null when you chose it."
    )
