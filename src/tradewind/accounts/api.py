"""Sign in and out, the current user, and site-admin user management."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from tradewind.accounts import repository as repo
from tradewind.accounts import service
from tradewind.accounts.schemas import (
    LoginRequest,
    LoginResponse,
    PasswordChange,
    PasswordReset,
    PasswordResetOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from tradewind.web.deps import Ctx, CurrentPrincipal, DbSession, RequireSiteAdmin
from tradewind.web.errors import error_responses
from tradewind.web.params import RowId

router = APIRouter(tags=["accounts"])


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/auth/login",
    operation_id="login",
    response_model=LoginResponse,
    responses=error_responses(429),
)
async def login(body: LoginRequest, request: Request, ctx: Ctx) -> LoginResponse:
    result = await service.login(
        ctx.db,
        ctx.settings,
        ctx.login_ip_failures,
        email=body.email,
        password=body.password,
        client_ip=client_ip(request),
    )
    if result.error is not None:
        raise result.error
    assert result.user and result.token and result.expires_at
    return LoginResponse(
        token=result.token, expires_at=result.expires_at, user=UserOut.model_validate(result.user)
    )


@router.post("/auth/logout", operation_id="logout", status_code=204)
async def logout(session: DbSession, principal: CurrentPrincipal) -> Response:
    await service.logout(session, principal)
    return Response(status_code=204)


@router.get("/me", operation_id="get_me", response_model=UserOut)
async def me(session: DbSession, principal: CurrentPrincipal) -> UserOut:
    user = await repo.user_by_id(session, principal.user_id)
    assert user is not None
    return UserOut.model_validate(user)


@router.get("/users", operation_id="list_users", response_model=list[UserOut])
async def list_users(session: DbSession, _: RequireSiteAdmin) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in await repo.list_users(session)]


@router.post(
    "/users",
    operation_id="create_user",
    response_model=UserOut,
    status_code=201,
    responses=error_responses(409),
)
async def create_user(
    body: UserCreate, session: DbSession, ctx: Ctx, principal: RequireSiteAdmin
) -> UserOut:
    user = await service.create_user(
        session,
        ctx.settings,
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        is_site_admin=body.is_site_admin,
    )
    await service.record_user_created(session, principal, user)
    return UserOut.model_validate(user)


@router.patch("/users/{user_id}", operation_id="update_user", response_model=UserOut)
async def update_user(
    user_id: RowId, body: UserUpdate, session: DbSession, principal: RequireSiteAdmin
) -> UserOut:
    changes = body.model_dump(exclude_none=True)
    return UserOut.model_validate(await service.update_user(session, principal, user_id, changes))


@router.post("/me/password", operation_id="change_password", status_code=204)
async def change_password(
    body: PasswordChange, session: DbSession, ctx: Ctx, principal: CurrentPrincipal
) -> Response:
    await service.change_password(
        session, ctx.settings, principal, body.current_password, body.new_password
    )
    return Response(status_code=204)


@router.post(
    "/users/{user_id}/password",
    operation_id="reset_user_password",
    response_model=PasswordResetOut,
)
async def reset_user_password(
    user_id: RowId, body: PasswordReset, session: DbSession, ctx: Ctx, principal: RequireSiteAdmin
) -> PasswordResetOut:
    """Set a user's password, or generate one (shown once); ends the user's sessions."""
    generated = await service.reset_password(
        session, ctx.settings, principal, user_id, body.password
    )
    return PasswordResetOut(generated_password=generated)
