"""Which audited actions are webhook events, and queueing their deliveries in the same unit
of work as the action itself (a rolled-back action sends nothing; a committed one is sent)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.db import save_rows
from tradewind.models import AuditEvent, Webhook, WebhookDelivery
from tradewind.models.base import utcnow
from tradewind.webhooks import repository as repo
from tradewind.webhooks.catalog import EVENT_OF_ACTION, GUARD_LABEL, PAUSED_BY_GUARD, PING


def event_name(event: AuditEvent) -> str | None:
    name = EVENT_OF_ACTION.get(event.action)
    if name == "release.paused" and event.actor_label == GUARD_LABEL:
        return PAUSED_BY_GUARD
    return name


def wants(webhook: Webhook, event: str) -> bool:
    return event == PING or not webhook.events or event in webhook.events


async def on_audit(session: AsyncSession, event: AuditEvent, actor: str | None) -> None:
    """Queue a delivery to every webhook of the event's organisation/application that wants it."""
    name = event_name(event)
    if name is None or event.org_id is None:
        return
    hooks = [h for h in await repo.listening(session, event.org_id, event.app_id) if wants(h, name)]
    if not hooks:
        return
    org, app = await repo.scope_names(session, event.org_id, event.app_id)
    payload = {
        "event": name,
        "occurred_at": (event.created_at or utcnow()).isoformat(),
        "org": org,
        "app": app,
        "actor": actor,
        "object": {"type": event.object_type, "id": event.object_id},
        "from_state": event.from_state,
        "to_state": event.to_state,
        "details": event.details,
    }
    await save_rows(session, *(new_delivery(hook.id, name, payload) for hook in hooks))
    for hook in hooks:
        await repo.prune(session, hook.id)


def new_delivery(webhook_id: int, event: str, payload: dict[str, Any]) -> WebhookDelivery:
    now = utcnow()
    return WebhookDelivery(
        webhook_id=webhook_id,
        delivery_id=str(uuid.uuid4()),
        event=event,
        payload=payload,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
