"""Wire types for API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tradewind.access.roles import Role
from tradewind.names import PRINTABLE_PATTERN, Slug

TokenName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=PRINTABLE_PATTERN
    ),
]


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: TokenName
    expires_at: AwareDatetime | None = Field(None, description="Absolute expiry (with a zone).")
    expires_in_days: int | None = Field(None, ge=1, le=3650, description="Expiry from now.")
    org: Slug | None = Field(None, description="Restrict the token to this organisation.")
    app: Slug | None = Field(None, description="Restrict it further to this application of org.")
    max_role: Role | None = Field(None, description="Never act with more than this role.")

    @model_validator(mode="after")
    def _consistent(self) -> TokenCreate:
        if self.expires_at is not None and self.expires_in_days is not None:
            raise ValueError("give either expires_at or expires_in_days, not both")
        if self.app is not None and self.org is None:
            raise ValueError("an application restriction needs its organisation in 'org'")
        return self


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    org: str | None
    app: str | None
    max_role: Role | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked: bool
    expired: bool


class TokenCreated(TokenOut):
    token: str = Field(description="The secret bearer token; shown only in this response.")
