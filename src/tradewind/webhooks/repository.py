"""Queries for webhooks and their delivery queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Application, Organisation, Webhook, WebhookDelivery

# Deliveries kept per webhook (the delivery log); older finished ones are pruned.
KEPT_DELIVERIES = 200


async def listening(session: AsyncSession, org_id: int, app_id: int | None) -> list[Webhook]:
    """The organisation's own webhooks and, for an application's event, that application's."""
    scope: ColumnElement[bool] = Webhook.app_id.is_(None)
    if app_id is not None:
        scope = or_(scope, Webhook.app_id == app_id)
    query = select(Webhook).where(Webhook.org_id == org_id, scope).order_by(Webhook.id)
    return list((await session.execute(query)).scalars())


async def list_webhooks(session: AsyncSession, org_id: int, app_id: int | None) -> list[Webhook]:
    """The webhooks of exactly this scope (organisation-wide or one application)."""
    scope = Webhook.app_id.is_(None) if app_id is None else Webhook.app_id == app_id
    query = select(Webhook).where(Webhook.org_id == org_id, scope).order_by(Webhook.id)
    return list((await session.execute(query)).scalars())


async def get_webhook(
    session: AsyncSession, org_id: int, app_id: int | None, webhook_id: int
) -> Webhook | None:
    scope = Webhook.app_id.is_(None) if app_id is None else Webhook.app_id == app_id
    query = select(Webhook).where(Webhook.id == webhook_id, Webhook.org_id == org_id, scope)
    return (await session.execute(query)).scalar_one_or_none()


async def webhooks_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Webhook]:
    rows = (await session.execute(select(Webhook).where(Webhook.id.in_(ids)))).scalars()
    return {row.id: row for row in rows}


async def delete_webhook(session: AsyncSession, webhook_id: int) -> None:
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id))
    await session.execute(delete(Webhook).where(Webhook.id == webhook_id))


async def deliveries(session: AsyncSession, webhook_id: int, limit: int) -> list[WebhookDelivery]:
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def get_delivery(
    session: AsyncSession, webhook_id: int, delivery_id: int
) -> WebhookDelivery | None:
    query = select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == webhook_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def take_due(session: AsyncSession, now: datetime, limit: int) -> list[WebhookDelivery]:
    """Due deliveries, locked until commit so that another process's drain skips them."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars())


async def postpone(session: AsyncSession, ids: list[int], until: datetime) -> None:
    """Claim rows for the attempt under way: a crashed process retries them after `until`."""
    await session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).values(next_attempt_at=until)
    )


async def prune(session: AsyncSession, webhook_id: int) -> None:
    """Keep the newest KEPT_DELIVERIES finished deliveries of a webhook."""
    cutoff = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.id.desc())
        .offset(KEPT_DELIVERIES)
        .limit(1)
    )
    oldest_kept = (await session.execute(cutoff)).scalar_one_or_none()
    if oldest_kept is None:
        return
    await session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.webhook_id == webhook_id,
            WebhookDelivery.id <= oldest_kept,
            WebhookDelivery.next_attempt_at.is_(None),
        )
    )


async def scope_names(
    session: AsyncSession, org_id: int, app_id: int | None
) -> tuple[str, str | None]:
    org = (
        await session.execute(select(Organisation.name).where(Organisation.id == org_id))
    ).scalar_one()
    if app_id is None:
        return org, None
    app = (
        await session.execute(select(Application.name).where(Application.id == app_id))
    ).scalar_one_or_none()
    return org, app


async def record_attempt(session: AsyncSession, delivery_id: int, **values: object) -> None:
    await session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values)
    )


async def get_delivery_by_id(session: AsyncSession, row_id: int) -> WebhookDelivery:
    query = select(WebhookDelivery).where(WebhookDelivery.id == row_id)
    return (await session.execute(query)).scalar_one()
