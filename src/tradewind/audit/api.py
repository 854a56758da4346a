"""Routes for reading an organisation's or an application's audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.audit import service
from tradewind.audit.repository import EventFilter
from tradewind.audit.schemas import AuditEventOut, AuditPage
from tradewind.web.deps import AppReader, DbSession, OrgReader
from tradewind.web.params import MAX_ROW_ID

router = APIRouter(prefix="/orgs/{org}", tags=["audit"])

Limit = Annotated[int, Query(ge=1, le=200, description="Page size (at most 200).")]
Before = Annotated[
    int | None, Query(ge=1, le=MAX_ROW_ID, description="Only events with a smaller id.")
]
Action = Annotated[str | None, Query(max_length=50, description="e.g. member.add")]
ObjectType = Annotated[str | None, Query(max_length=30, description="e.g. org_member")]


def _out(entry: service.AuditEntry) -> AuditEventOut:
    event = entry.event
    return AuditEventOut(
        id=event.id,
        created_at=event.created_at,
        actor=entry.actor,
        via=event.via,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        app=entry.app,
        from_state=event.from_state,
        to_state=event.to_state,
        details=event.details,
    )


async def _page(session: AsyncSession, where: EventFilter, limit: int) -> AuditPage:
    entries, next_before = await service.list_events(session, where, limit)
    return AuditPage(events=[_out(e) for e in entries], next_before=next_before)


@router.get("/audit", operation_id="list_org_audit", response_model=AuditPage)
async def list_org_audit(
    access: OrgReader,
    session: DbSession,
    limit: Limit = 50,
    before: Before = None,
    action: Action = None,
    object_type: ObjectType = None,
) -> AuditPage:
    where = EventFilter(access.org.id, None, before, action, object_type)
    return await _page(session, where, limit)


@router.get("/apps/{app}/audit", operation_id="list_app_audit", response_model=AuditPage)
async def list_app_audit(
    access: AppReader,
    session: DbSession,
    limit: Limit = 50,
    before: Before = None,
    action: Action = None,
    object_type: ObjectType = None,
) -> AuditPage:
    where = EventFilter(access.org.id, access.app.id, before, action, object_type)
    return await _page(session, where, limit)
