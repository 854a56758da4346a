"""Wire types for the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEventOut(BaseModel):
    id: int
    created_at: datetime
    actor: str | None = Field(
        description="Email of who did it, or the part of the server that acted on its own "
        "(`guard`: the rollout guard); null for other system actions."
    )
    via: str | None = Field(
        None,
        description="How the actor authenticated: `dashboard session`, `CLI session`, "
        "`single sign-on (dashboard)`, `API token 'name'`, ... (null for the server itself).",
    )
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
