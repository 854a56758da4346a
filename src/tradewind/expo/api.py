"""Routes for publishing Expo updates (the device routes are raw ASGI, see handler.py)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from tradewind.expo import service
from tradewind.expo.schemas import EmbeddedRollbackIn, ExpoPublish, ExpoPublishOut
from tradewind.web.deps import AppReader, AppWriter, Ctx, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses

router = APIRouter(prefix="/orgs/{org}/apps/{app}/expo", tags=["expo"])


@router.post(
    "/updates",
    operation_id="publish_expo_update",
    response_model=ExpoPublishOut,
    status_code=201,
    responses=error_responses(409),
)
async def publish_expo_update(
    body: ExpoPublish, access: AppWriter, session: DbSession, principal: CurrentPrincipal
) -> ExpoPublishOut:
    """Create one package per platform of an `npx expo export` output whose files are already
    uploaded, and with `release`, release each to its channel, runtime version and platform."""
    return ExpoPublishOut(packages=await service.publish(session, principal, access, body))


@router.post(
    "/embedded-rollbacks",
    operation_id="rollback_expo_to_embedded",
    response_model=ExpoPublishOut,
    status_code=201,
    responses=error_responses(409),
)
async def rollback_to_embedded(
    body: EmbeddedRollbackIn,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
    ctx: Ctx,
) -> ExpoPublishOut:
    """Release `rollBackToEmbedded` to a channel, runtime version and platforms (a release
    like any other: ramp it, conclude it, roll back from it)."""
    found = await service.rollback_to_embedded(
        session, ctx.db, ctx.blob_store, ctx.settings, principal, access, body
    )
    return ExpoPublishOut(packages=found)


@router.get(
    "/certificate",
    operation_id="get_expo_certificate",
    response_model=None,
    responses={
        200: {"content": {"application/x-pem-file": {"schema": {"type": "string"}}}},
        **error_responses(404),
    },
)
async def expo_certificate(
    access: AppReader, session: DbSession, key_id: str | None = None
) -> PlainTextResponse:
    """The PEM certificate to save as the app's `updates.codeSigningCertificate`: the
    default RSA signing key's, or `key_id`'s. Its key id goes in `codeSigningMetadata`."""
    key = await service.certificate(session, access.app.id, key_id)
    assert key.certificate_pem is not None
    return PlainTextResponse(
        key.certificate_pem,
        media_type="application/x-pem-file",
        headers={"x-expo-key-id": key.key_id},
    )
