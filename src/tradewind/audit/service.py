"""Recording and reading audit events: who did what to which object, and when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.audit import repository
from tradewind.audit.repository import EventFilter
from tradewind.models import AuditEvent


async def record(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    object_type: str,
    object_id: int | str,
    *,
    org_id: int | None = None,
    app_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_user_id=actor.user_id if actor else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        org_id=org_id,
        app_id=app_id,
        from_state=from_state,
        to_state=to_state,
        details=details or {},
    )
    session.add(event)
    await session.flush()
    return event


@dataclass(frozen=True, slots=True)
class AuditEntry:
    event: AuditEvent
    actor: str | None
    app: str | None


async def list_events(
    session: AsyncSession, where: EventFilter, limit: int
) -> tuple[list[AuditEntry], int | None]:
    """One page of events, newest first, and the cursor of the next page (None at the end)."""
    rows = await repository.list_events(session, where, limit)
    entries = [AuditEntry(event, actor, app) for event, actor, app in rows]
    next_before = entries[-1].event.id if len(entries) == limit else None
    return entries, next_before
