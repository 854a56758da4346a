"""Routes for saved views: named dimension filters of the release list (read / write)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tradewind.models import SavedView
from tradewind.names import Slug
from tradewind.remoteconfig import saved_views
from tradewind.remoteconfig.schemas import SavedViewIn, SavedViewOut
from tradewind.web.deps import AppReader, AppWriter, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses

router = APIRouter(prefix="/orgs/{org}/apps/{app}/views", tags=["saved views"])


def _out(view: SavedView) -> SavedViewOut:
    return SavedViewOut(name=view.name, filters=view.filters)


@router.get("", operation_id="list_saved_views", response_model=list[SavedViewOut])
async def list_saved_views(access: AppReader, session: DbSession) -> list[SavedViewOut]:
    return [_out(v) for v in await saved_views.list_views(session, access.app.id)]


@router.get("/{name}", operation_id="get_saved_view", response_model=SavedViewOut)
async def get_saved_view(name: str, access: AppReader, session: DbSession) -> SavedViewOut:
    return _out(await saved_views.get_view(session, access.app.id, name))


@router.put(
    "/{name}",
    operation_id="put_saved_view",
    response_model=SavedViewOut,
    responses=error_responses(400),
)
async def put_saved_view(
    name: Slug,
    body: SavedViewIn,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
) -> SavedViewOut:
    """Create or replace a view; list its releases with GET …/releases?view=NAME."""
    return _out(await saved_views.put_view(session, principal, access, name, body.filters))


@router.delete("/{name}", operation_id="delete_saved_view", status_code=204)
async def delete_saved_view(
    name: str, access: AppWriter, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await saved_views.delete_view(session, principal, access, name)
    return Response(status_code=204)
