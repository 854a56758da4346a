"""Webhook routes, per organisation and per application (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tradewind.access.service import AppAccess, OrgAccess
from tradewind.context import AppContext
from tradewind.models import Webhook, WebhookDelivery
from tradewind.web.deps import AppAdmin, Ctx, CurrentPrincipal, DbSession, OrgAdmin
from tradewind.web.errors import error_responses
from tradewind.web.params import RowId
from tradewind.webhooks import service
from tradewind.webhooks.schemas import DeliveryOut, WebhookCreate, WebhookCreated, WebhookOut

router = APIRouter(tags=["webhooks"])
ERRORS = error_responses(400, 404)
ORG = "/orgs/{org}/webhooks"
APP = "/orgs/{org}/apps/{app}/webhooks"


def _out(webhook: Webhook, access: OrgAccess | AppAccess) -> WebhookOut:
    app = access.app.name if isinstance(access, AppAccess) else None
    return WebhookOut(
        id=webhook.id,
        url=webhook.url,
        format=webhook.format,
        events=list(webhook.events),
        app=app,
        created_at=webhook.created_at,
    )


async def _create(
    body: WebhookCreate,
    access: OrgAccess | AppAccess,
    session: DbSession,
    ctx: AppContext,
    principal: CurrentPrincipal,
) -> WebhookCreated:
    new = await service.create(
        session, ctx.keyring, ctx.settings, principal, access, body.url, body.format, body.events
    )
    return WebhookCreated(**_out(new.webhook, access).model_dump(), secret=new.secret)


async def _send(ctx: AppContext, session: DbSession, row: WebhookDelivery) -> DeliveryOut:
    await session.commit()  # stored before the attempt: a crash still leaves it queued
    sent = await service.send_now(ctx.db, ctx.keyring, ctx.settings, row.id)
    return DeliveryOut.model_validate(sent)


@router.post(ORG, operation_id="create_org_webhook", status_code=201, responses=ERRORS)
async def create_org_webhook(
    body: WebhookCreate, access: OrgAdmin, session: DbSession, ctx: Ctx, principal: CurrentPrincipal
) -> WebhookCreated:
    return await _create(body, access, session, ctx, principal)


@router.post(APP, operation_id="create_app_webhook", status_code=201, responses=ERRORS)
async def create_app_webhook(
    body: WebhookCreate, access: AppAdmin, session: DbSession, ctx: Ctx, principal: CurrentPrincipal
) -> WebhookCreated:
    return await _create(body, access, session, ctx, principal)


@router.get(ORG, operation_id="list_org_webhooks")
async def list_org_webhooks(access: OrgAdmin, session: DbSession) -> list[WebhookOut]:
    return [_out(w, access) for w in await service.list_webhooks(session, access)]


@router.get(APP, operation_id="list_app_webhooks")
async def list_app_webhooks(access: AppAdmin, session: DbSession) -> list[WebhookOut]:
    return [_out(w, access) for w in await service.list_webhooks(session, access)]


@router.delete(ORG + "/{webhook_id}", operation_id="delete_org_webhook", status_code=204)
async def delete_org_webhook(
    webhook_id: RowId, access: OrgAdmin, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await service.remove(session, principal, access, webhook_id)
    return Response(status_code=204)


@router.delete(APP + "/{webhook_id}", operation_id="delete_app_webhook", status_code=204)
async def delete_app_webhook(
    webhook_id: RowId, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await service.remove(session, principal, access, webhook_id)
    return Response(status_code=204)


@router.post(ORG + "/{webhook_id}/ping", operation_id="ping_org_webhook", responses=ERRORS)
async def ping_org_webhook(
    webhook_id: RowId, access: OrgAdmin, session: DbSession, ctx: Ctx
) -> DeliveryOut:
    row = await service.queue_ping(session, ctx.settings, access, webhook_id)
    return await _send(ctx, session, row)


@router.post(APP + "/{webhook_id}/ping", operation_id="ping_app_webhook", responses=ERRORS)
async def ping_app_webhook(
    webhook_id: RowId, access: AppAdmin, session: DbSession, ctx: Ctx
) -> DeliveryOut:
    row = await service.queue_ping(session, ctx.settings, access, webhook_id)
    return await _send(ctx, session, row)


@router.get(ORG + "/{webhook_id}/deliveries", operation_id="list_org_webhook_deliveries")
async def list_org_webhook_deliveries(
    webhook_id: RowId, access: OrgAdmin, session: DbSession
) -> list[DeliveryOut]:
    rows = await service.deliveries(session, access, webhook_id)
    return [DeliveryOut.model_validate(r) for r in rows]


@router.get(APP + "/{webhook_id}/deliveries", operation_id="list_app_webhook_deliveries")
async def list_app_webhook_deliveries(
    webhook_id: RowId, access: AppAdmin, session: DbSession
) -> list[DeliveryOut]:
    rows = await service.deliveries(session, access, webhook_id)
    return [DeliveryOut.model_validate(r) for r in rows]


@router.post(
    ORG + "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    operation_id="redeliver_org_webhook",
    responses=ERRORS,
)
async def redeliver_org_webhook(
    webhook_id: RowId, delivery_id: RowId, access: OrgAdmin, session: DbSession, ctx: Ctx
) -> DeliveryOut:
    row = await service.queue_redelivery(session, ctx.settings, access, webhook_id, delivery_id)
    return await _send(ctx, session, row)


@router.post(
    APP + "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    operation_id="redeliver_app_webhook",
    responses=ERRORS,
)
async def redeliver_app_webhook(
    webhook_id: RowId, delivery_id: RowId, access: AppAdmin, session: DbSession, ctx: Ctx
) -> DeliveryOut:
    row = await service.queue_redelivery(session, ctx.settings, access, webhook_id, delivery_id)
    return await _send(ctx, session, row)
