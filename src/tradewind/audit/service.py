"""Recording and reading audit events: who did what to which object, and when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.audit import repository
from tradewind.audit.repository import EventFilter
from tradewind.db import save_rows
from tradewind.models import AuditEvent
from tradewind.webhooks import events as webhook_events


@dataclass(frozen=True, slots=True)
class SystemActor:
    """A part of the server acting on its own, named in the audit trail (e.g. "guard")."""

    label: str


Actor = Principal | SystemActor


async def record(
    session: AsyncSession,
    actor: Actor | None,
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
        actor_user_id=actor.user_id if isinstance(actor, Principal) else None,
        via=await how(session, actor) if isinstance(actor, Principal) else None,
        actor_label=actor.label if isinstance(actor, SystemActor) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        org_id=org_id,
        app_id=app_id,
        from_state=from_state,
        to_state=to_state,
        details=details or {},
    )
    await save_rows(session, event)
    await webhook_events.on_audit(session, event, actor_name(actor))
    return event


def actor_name(actor: Actor | None) -> str | None:
    if isinstance(actor, Principal):
        return actor.email
    return actor.label if actor is not None else None


SESSION_KINDS = {
    "dashboard": "dashboard session",
    "cli": "CLI session",
    "api": "password session",
    "sso-dashboard": "single sign-on (dashboard)",
    "sso-cli": "single sign-on (CLI)",
}


async def how(session: AsyncSession, principal: Principal) -> str | None:
    """How the principal authenticated, in words: people and CI are told apart."""
    if principal.token is not None:
        name = await repository.token_name(session, principal.token.token_id)
        return f"API token '{name}'" if name else "API token"
    if principal.session_id is not None:
        kind = await repository.session_kind(session, principal.session_id)
        return SESSION_KINDS.get(kind or "", f"{kind} session" if kind else "session")
    return principal.via


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
    entries = [AuditEntry(event, actor or event.actor_label, app) for event, actor, app in rows]
    next_before = entries[-1].event.id if len(entries) == limit else None
    return entries, next_before
