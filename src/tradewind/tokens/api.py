"""Routes for the caller's personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response

from tradewind.tokens import service
from tradewind.tokens.schemas import TokenCreate, TokenCreated, TokenOut
from tradewind.web.deps import CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses
from tradewind.web.params import RowId

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.post(
    "",
    operation_id="create_token",
    response_model=TokenCreated,
    status_code=201,
    responses=error_responses(409),
)
async def create_token(
    body: TokenCreate, session: DbSession, principal: CurrentPrincipal
) -> TokenCreated:
    request = service.TokenRequest(**body.model_dump())
    created = await service.create_token(session, principal, request)
    shown = created.view.model_dump()
    return TokenCreated(**shown, token=created.token)


@router.get("", operation_id="list_tokens", response_model=list[TokenOut])
async def list_tokens(session: DbSession, principal: CurrentPrincipal) -> list[TokenOut]:
    return await service.list_tokens(session, principal)


@router.delete("/{token_id}", operation_id="revoke_token", status_code=204)
async def revoke_token(
    token_id: RowId, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await service.revoke_token(session, principal, token_id)
    return Response(status_code=204)
