"""Routes for inviting people (org/app admins) and for accepting an invitation (public)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.roles import Role
from tradewind.access.service import AppAccess, OrgAccess
from tradewind.accounts import repository as accounts_repo
from tradewind.accounts import service as accounts
from tradewind.accounts.schemas import UserOut
from tradewind.context import AppContext
from tradewind.errors import BadRequest
from tradewind.invitations import service
from tradewind.invitations.schemas import (
    AppInvitationCreate,
    InvitationAccept,
    InvitationAccepted,
    InvitationCreated,
    InvitationOut,
    InvitationToken,
    OrgInvitationCreate,
)
from tradewind.web.deps import (
    AppAdmin,
    Ctx,
    CurrentPrincipal,
    DbSession,
    OrgAdmin,
    bearer_token,
    current_principal,
)
from tradewind.web.errors import error_responses
from tradewind.web.params import RowId

router = APIRouter(tags=["invitations"])
ERRORS = error_responses(409)


def _created(new: service.NewInvitation) -> InvitationCreated:
    return InvitationCreated(
        **new.view.model_dump(), url=new.url, mailed=new.mailed, mail_error=new.mail_error
    )


@router.post(
    "/orgs/{org}/invitations",
    operation_id="invite_to_org",
    response_model=InvitationCreated,
    status_code=201,
    responses=ERRORS,
)
async def invite_to_org(
    body: OrgInvitationCreate,
    access: OrgAdmin,
    session: DbSession,
    ctx: Ctx,
    principal: CurrentPrincipal,
) -> InvitationCreated:
    return _created(await _invite(session, ctx, principal, access, body.email, body.role))


@router.post(
    "/orgs/{org}/apps/{app}/invitations",
    operation_id="invite_to_app",
    response_model=InvitationCreated,
    status_code=201,
    responses=ERRORS,
)
async def invite_to_app(
    body: AppInvitationCreate,
    access: AppAdmin,
    session: DbSession,
    ctx: Ctx,
    principal: CurrentPrincipal,
) -> InvitationCreated:
    return _created(await _invite(session, ctx, principal, access, body.email, Role(body.role)))


async def _invite(
    session: AsyncSession,
    ctx: AppContext,
    principal: Principal,
    access: OrgAccess | AppAccess,
    email: str,
    role: Role,
) -> service.NewInvitation:
    view, url = await service.invite(session, ctx.settings, principal, access, email, role)
    await session.commit()  # the mail goes out only for a stored link
    return await service.deliver(ctx.settings, view, url)


@router.get(
    "/orgs/{org}/invitations",
    operation_id="list_org_invitations",
    response_model=list[InvitationOut],
)
async def list_org_invitations(access: OrgAdmin, session: DbSession) -> list[InvitationOut]:
    return await service.list_pending(session, access)


@router.get(
    "/orgs/{org}/apps/{app}/invitations",
    operation_id="list_app_invitations",
    response_model=list[InvitationOut],
)
async def list_app_invitations(access: AppAdmin, session: DbSession) -> list[InvitationOut]:
    return await service.list_pending(session, access)


@router.delete(
    "/orgs/{org}/invitations/{invitation_id}", operation_id="revoke_org_invitation", status_code=204
)
async def revoke_org_invitation(
    invitation_id: RowId, access: OrgAdmin, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await service.revoke(session, principal, access, invitation_id)
    return Response(status_code=204)


@router.delete(
    "/orgs/{org}/apps/{app}/invitations/{invitation_id}",
    operation_id="revoke_app_invitation",
    status_code=204,
)
async def revoke_app_invitation(
    invitation_id: RowId, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await service.revoke(session, principal, access, invitation_id)
    return Response(status_code=204)


@router.post(
    "/invitations/preview",
    operation_id="preview_invitation",
    response_model=InvitationOut,
    responses=error_responses(410),
)
async def preview_invitation(body: InvitationToken, session: DbSession) -> InvitationOut:
    """What an invitation offers (no authentication: the token is the credential)."""
    return await service.preview(session, body.token)


@router.post(
    "/invitations/accept",
    operation_id="accept_invitation",
    response_model=InvitationAccepted,
    responses=error_responses(409, 410),
)
async def accept_invitation(
    body: InvitationAccept, session: DbSession, ctx: Ctx, request: Request
) -> InvitationAccepted:
    if bearer_token(request) is not None:
        principal = await current_principal(request, session, ctx)
        joined = await service.accept_as(session, principal, body.token)
        user = await accounts_repo.user_by_id(session, principal.user_id)
        return InvitationAccepted(
            org=joined.org,
            app=joined.app,
            role=joined.role,
            user=UserOut.model_validate(user),
            token=None,
            expires_at=None,
        )
    if body.password is None:
        raise BadRequest(
            "set a password for the new account (or send your bearer token to accept with an "
            "existing account)",
            code="password_required",
        )
    user, joined = await service.accept_with_new_account(
        session, ctx.settings, body.token, body.display_name, body.password
    )
    token, expires_at = await accounts.start_session(session, ctx.settings, user)
    return InvitationAccepted(
        org=joined.org,
        app=joined.app,
        role=joined.role,
        user=UserOut.model_validate(user),
        token=token,
        expires_at=expires_at,
    )
