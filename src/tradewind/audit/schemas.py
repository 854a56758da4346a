"""Wire types for the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEventOut(BaseModel):
    id: int
    created_at: datetime
    actor: str | None = Field(description="Email of who did it; null for the system.")
    action: str
    object_type: str
    object_id: str
    app: str | None = Field(description="Application name, when the event concerns one.")
    from_state: str | None
    to_state: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    events: list[AuditEventOut] = Field(description="Newest first.")
    next_before: int | None = Field(
        description="Pass as `before` to get the next (older) page; null on the last page."
    )
