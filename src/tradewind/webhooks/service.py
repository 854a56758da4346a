"""Managing webhooks: create (the secret is shown once), list, remove, ping, the delivery log
and redelivery. Scope: an organisation (every application's events) or one application."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess, OrgAccess
from tradewind.audit.service import record
from tradewind.db import Database, save_rows
from tradewind.errors import NotFound
from tradewind.keys.keyring import Keyring
from tradewind.models import Webhook, WebhookDelivery
from tradewind.models.base import utcnow
from tradewind.settings import Settings
from tradewind.webhooks import delivery, targets
from tradewind.webhooks import repository as repo
from tradewind.webhooks.catalog import PING
from tradewind.webhooks.events import new_delivery

SECRET_PREFIX = "whsec_"
DELIVERY_LOG_LIMIT = 50

Scope = OrgAccess | AppAccess


def app_id_of(access: Scope) -> int | None:
    return access.app.id if isinstance(access, AppAccess) else None


@dataclass(frozen=True)
class NewWebhook:
    webhook: Webhook
    secret: str


async def create(
    session: AsyncSession,
    keyring: Keyring,
    settings: Settings,
    principal: Principal,
    access: Scope,
    url: str,
    format: str,
    events: list[str],
) -> NewWebhook:
    await targets.check(url, settings.webhook_allow_private_targets)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    webhook = Webhook(
        org_id=access.org.id,
        app_id=app_id_of(access),
        url=url,
        format=format,
        events=sorted(set(events)),
        secret_sealed=await keyring.encrypt(secret.encode(), delivery.SECRET_PURPOSE),
        created_by=principal.user_id,
        created_at=utcnow(),
    )
    await save_rows(session, webhook)
    await _audit(session, principal, access, "webhook.create", webhook)
    return NewWebhook(webhook, secret)


async def list_webhooks(session: AsyncSession, access: Scope) -> list[Webhook]:
    return await repo.list_webhooks(session, access.org.id, app_id_of(access))


async def get(session: AsyncSession, access: Scope, webhook_id: int) -> Webhook:
    webhook = await repo.get_webhook(session, access.org.id, app_id_of(access), webhook_id)
    if webhook is None:
        raise NotFound(f"no webhook {webhook_id} here", code="webhook_not_found")
    return webhook


async def remove(
    session: AsyncSession, principal: Principal, access: Scope, webhook_id: int
) -> None:
    webhook = await get(session, access, webhook_id)
    await _audit(session, principal, access, "webhook.delete", webhook)
    await repo.delete_webhook(session, webhook.id)


async def deliveries(
    session: AsyncSession, access: Scope, webhook_id: int
) -> list[WebhookDelivery]:
    webhook = await get(session, access, webhook_id)
    return await repo.deliveries(session, webhook.id, DELIVERY_LOG_LIMIT)


async def queue_ping(
    session: AsyncSession, settings: Settings, access: Scope, webhook_id: int
) -> WebhookDelivery:
    """A `ping` delivery, claimed for the immediate attempt of `send_now`."""
    webhook = await get(session, access, webhook_id)
    org, app = await repo.scope_names(session, access.org.id, app_id_of(access))
    payload: dict[str, Any] = {
        "event": PING,
        "occurred_at": utcnow().isoformat(),
        "org": org,
        "app": app,
    }
    return await _queue(session, settings, webhook, PING, payload)


async def queue_redelivery(
    session: AsyncSession, settings: Settings, access: Scope, webhook_id: int, delivery_id: int
) -> WebhookDelivery:
    """A new delivery (new id, attempts from zero) of an earlier delivery's payload."""
    webhook = await get(session, access, webhook_id)
    earlier = await repo.get_delivery(session, webhook.id, delivery_id)
    if earlier is None:
        raise NotFound(f"no delivery {delivery_id} of this webhook", code="delivery_not_found")
    return await _queue(session, settings, webhook, earlier.event, dict(earlier.payload))


async def _queue(
    session: AsyncSession,
    settings: Settings,
    webhook: Webhook,
    event: str,
    payload: dict[str, Any],
) -> WebhookDelivery:
    row = new_delivery(webhook.id, event, payload)
    row.next_attempt_at = delivery.claim_until(settings, utcnow())
    await save_rows(session, row)
    await repo.prune(session, webhook.id)
    return row


async def send_now(
    db: Database, keyring: Keyring, settings: Settings, row_id: int
) -> WebhookDelivery:
    """Attempt a claimed delivery right away (ping, redeliver); a failure is retried later."""
    async with db.unit_of_work() as session:
        row = await repo.get_delivery_by_id(session, row_id)
        hooks = await repo.webhooks_by_id(session, {row.webhook_id})
        job = delivery.job_of(row, hooks[row.webhook_id])
    async with delivery.new_client(settings) as client:
        await delivery.attempt_jobs(db, keyring, settings, client, [job])
    async with db.unit_of_work() as session:
        return await repo.get_delivery_by_id(session, row_id)


async def _audit(
    session: AsyncSession,
    principal: Principal,
    access: Scope,
    action: str,
    webhook: Webhook,
) -> None:
    # The host only: a Slack-style URL carries its credential in the path.
    details = {"host": urlsplit(webhook.url).hostname, "format": webhook.format}
    await record(
        session,
        principal,
        action,
        "webhook",
        webhook.id,
        org_id=access.org.id,
        app_id=app_id_of(access),
        details=details,
    )
