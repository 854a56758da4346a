"""Recording audit events (who did what to which object, from which state to which)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
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
