"""Routes for an application's signing keys, upload keys and upload policy."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from tradewind.errors import NotFound
from tradewind.keys import admin, service, uploads
from tradewind.keys.schemas import (
    SigningKeyCreate,
    SigningKeyOut,
    UploadKeyCreate,
    UploadKeyOut,
    UploadPolicyBody,
)
from tradewind.web.deps import AppAdmin, AppReader, Ctx, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses

router = APIRouter(prefix="/orgs/{org}/apps/{app}", tags=["keys"])
ONE = "/signing-keys/{key_id}"
PEM_TYPE = "application/x-pem-file"


def key_out(row: object) -> SigningKeyOut:
    return SigningKeyOut.model_validate(row, from_attributes=True)


@router.get("/signing-keys", operation_id="list_signing_keys", response_model=list[SigningKeyOut])
async def list_signing_keys(access: AppReader, session: DbSession) -> list[SigningKeyOut]:
    """The application's signing keys (public halves only; private keys never leave)."""
    return [key_out(row) for row in await service.list_signing_keys(session, access.app.id)]


@router.post(
    "/signing-keys",
    operation_id="create_signing_key",
    response_model=SigningKeyOut,
    status_code=201,
    responses=error_responses(409, 422),
)
async def create_signing_key(
    body: SigningKeyCreate,
    access: AppAdmin,
    session: DbSession,
    principal: CurrentPrincipal,
    ctx: Ctx,
) -> SigningKeyOut:
    """Generate a key (`algorithm`: es256 for Airborne, rsa-v1_5-sha256 for Expo; es256 when
    neither it nor a PEM is given) or import an unencrypted PEM private key."""
    days = ctx.settings.signing_certificate_days
    return key_out(await admin.create_key(session, ctx.keyring, principal, access, body, days))


@router.get(ONE, operation_id="get_signing_key", response_model=SigningKeyOut)
async def get_signing_key(key_id: str, access: AppReader, session: DbSession) -> SigningKeyOut:
    return key_out(await service.get_signing_key(session, access.app.id, key_id))


@router.post(
    ONE + "/default",
    operation_id="make_default_signing_key",
    response_model=SigningKeyOut,
    responses=error_responses(409),
)
async def make_default_signing_key(
    key_id: str, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> SigningKeyOut:
    """Make the key its algorithm's default (used when a device names no key)."""
    return key_out(await admin.make_default(session, principal, access, key_id))


@router.post(ONE + "/disable", operation_id="disable_signing_key", response_model=SigningKeyOut)
async def disable_signing_key(
    key_id: str, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> SigningKeyOut:
    """Stop signing with the key (devices naming it get 400 unknown_signing_key)."""
    return key_out(await admin.set_disabled(session, principal, access, key_id, True))


@router.post(ONE + "/enable", operation_id="enable_signing_key", response_model=SigningKeyOut)
async def enable_signing_key(
    key_id: str, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> SigningKeyOut:
    return key_out(await admin.set_disabled(session, principal, access, key_id, False))


@router.get(
    ONE + "/public-key",
    operation_id="get_signing_public_key",
    response_model=None,
    responses={200: {"content": {PEM_TYPE: {"schema": {"type": "string"}}}}},
)
async def get_signing_public_key(
    key_id: str, access: AppReader, session: DbSession
) -> PlainTextResponse:
    """The public key, PEM SubjectPublicKeyInfo (what a device pins to verify signatures)."""
    row = await service.get_signing_key(session, access.app.id, key_id)
    return PlainTextResponse(row.public_pem, media_type=PEM_TYPE)


@router.get(
    ONE + "/certificate",
    operation_id="get_signing_certificate",
    response_model=None,
    responses={200: {"content": {PEM_TYPE: {"schema": {"type": "string"}}}}},
)
async def get_signing_certificate(
    key_id: str, access: AppReader, session: DbSession
) -> PlainTextResponse:
    """RSA keys: the self-signed code-signing certificate (expo-updates'
    `codeSigningCertificate`); es256 keys have none (404 certificate_not_found)."""
    row = await service.get_signing_key(session, access.app.id, key_id)
    if row.certificate_pem is None:
        raise NotFound(
            "this key has no certificate (es256 keys have none)", code="certificate_not_found"
        )
    return PlainTextResponse(row.certificate_pem, media_type=PEM_TYPE)


@router.get("/upload-keys", operation_id="list_upload_keys", response_model=list[UploadKeyOut])
async def list_upload_keys(access: AppReader, session: DbSession) -> list[UploadKeyOut]:
    """Public keys whose signatures uploads may carry (see the upload policy)."""
    rows = await uploads.list_upload_keys(session, access.app.id)
    return [UploadKeyOut.model_validate(row, from_attributes=True) for row in rows]


@router.post(
    "/upload-keys",
    operation_id="add_upload_key",
    response_model=UploadKeyOut,
    status_code=201,
    responses=error_responses(409, 422),
)
async def add_upload_key(
    body: UploadKeyCreate, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> UploadKeyOut:
    """Register a team's public key (PEM SPKI, ECDSA P-256 or RSA ≥ 2048) for uploads."""
    row = await uploads.add_upload_key(session, principal, access, body.key_id, body.public_pem)
    return UploadKeyOut.model_validate(row, from_attributes=True)


@router.post(
    "/upload-keys/{key_id}/disable", operation_id="disable_upload_key", response_model=UploadKeyOut
)
async def disable_upload_key(
    key_id: str, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> UploadKeyOut:
    row = await uploads.disable_upload_key(session, principal, access, key_id)
    return UploadKeyOut.model_validate(row, from_attributes=True)


@router.get("/upload-policy", operation_id="get_upload_policy", response_model=UploadPolicyBody)
async def get_upload_policy(access: AppReader, session: DbSession) -> UploadPolicyBody:
    required = await uploads.signature_required(session, access.app.id)
    return UploadPolicyBody(require_signature=required)


@router.put(
    "/upload-policy",
    operation_id="set_upload_policy",
    response_model=UploadPolicyBody,
    responses=error_responses(409),
)
async def set_upload_policy(
    body: UploadPolicyBody, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> UploadPolicyBody:
    """Require (or stop requiring) a valid signature on every new package."""
    await uploads.set_policy(session, principal, access, body.require_signature)
    return body
