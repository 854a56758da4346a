"""Upload-side integrity: keys the team registers, and the per-application rule that every
new package must carry a valid signature made with one of them (`tradewind push --sign`).

A leaked API token then cannot ship code alone: the signing key stays with the team (or its
CI secret store) and never reaches the server, which only holds the public half.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.audit.service import record
from tradewind.db import save, save_rows
from tradewind.errors import Conflict, NotFound, ValidationFailed
from tradewind.keys import repository as repo
from tradewind.keys import signing
from tradewind.keys.statement import FileRef, package_statement
from tradewind.models.keys import UploadKey, UploadPolicy


class UploadSignature(BaseModel):
    """A detached signature of the package statement (see tradewind.keys.statement)."""

    model_config = ConfigDict(extra="forbid")

    fingerprint: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 (hex) of the signer's SPKI DER."
    )
    signature: str = Field(
        max_length=2048, description="Base64: ECDSA P-256 DER or RSA PKCS#1 v1.5, SHA-256."
    )


async def list_upload_keys(session: AsyncSession, app_id: int) -> list[UploadKey]:
    return await repo.upload_keys(session, app_id)


async def add_upload_key(
    session: AsyncSession, principal: Principal, access: AppAccess, key_id: str, pem: str
) -> UploadKey:
    public = signing.load_public_pem(pem)
    if await repo.upload_key(session, access.app.id, key_id) is not None:
        raise Conflict(f"the application already has an upload key {key_id!r}", code="key_id_taken")
    row = UploadKey(
        app_id=access.app.id,
        key_id=key_id,
        algorithm=signing.algorithm_of(public),
        public_pem=signing.public_pem(public),
        fingerprint=signing.fingerprint(public),
        disabled=False,
    )
    await save_rows(session, row)
    await _audit(session, principal, access, "upload_key.add", key_id, row.fingerprint)
    return row


async def disable_upload_key(
    session: AsyncSession, principal: Principal, access: AppAccess, key_id: str
) -> UploadKey:
    row = await repo.upload_key(session, access.app.id, key_id)
    if row is None:
        raise NotFound(f"no upload key {key_id!r}", code="upload_key_not_found")
    if row.disabled:
        return row
    others = [k for k in await repo.upload_keys(session, access.app.id) if not k.disabled]
    if len(others) == 1 and await signature_required(session, access.app.id):
        raise Conflict(
            "uploads require a signature and this is the last enabled upload key: "
            "add another key or stop requiring signatures first",
            code="last_upload_key",
        )
    row.disabled = True
    await save(session)
    await _audit(session, principal, access, "upload_key.disable", key_id, row.fingerprint)
    return row


async def signature_required(session: AsyncSession, app_id: int) -> bool:
    policy = await repo.upload_policy(session, app_id)
    return policy is not None and policy.require_signature


async def set_policy(
    session: AsyncSession, principal: Principal, access: AppAccess, required: bool
) -> None:
    if required and not any(not k.disabled for k in await repo.upload_keys(session, access.app.id)):
        raise Conflict(
            "register an upload key before requiring signed uploads", code="no_upload_key"
        )
    policy = await repo.upload_policy(session, access.app.id)
    if policy is None:
        policy = UploadPolicy(app_id=access.app.id, require_signature=required)
    elif policy.require_signature == required:
        return
    policy.require_signature = required
    await save_rows(session, policy)
    action = "upload_policy.require" if required else "upload_policy.relax"
    await record(
        session,
        principal,
        action,
        "application",
        access.app.id,
        org_id=access.org.id,
        app_id=access.app.id,
    )


async def check_package_signature(
    session: AsyncSession,
    access: AppAccess,
    files: tuple[FileRef, Sequence[FileRef], Sequence[FileRef]],
    properties: dict[str, Any],
    signature: UploadSignature | None,
) -> UploadKey | None:
    """The key that signed this package (None: unsigned and not required); 422 when a
    signature is required and missing, or present and not valid."""
    if signature is None:
        if await signature_required(session, access.app.id):
            raise ValidationFailed(
                "this application requires signed uploads (tradewind push --sign KEYFILE)",
                code="signature_required",
            )
        return None
    key = next(
        (
            k
            for k in await repo.upload_keys(session, access.app.id)
            if k.fingerprint == signature.fingerprint and not k.disabled
        ),
        None,
    )
    if key is None:
        raise ValidationFailed(
            "the upload is signed with a key this application has not registered (or disabled)",
            code="unknown_upload_key",
        )
    index, important, lazy = files
    statement = package_statement(
        access.org.name, access.app.name, index, important, lazy, properties
    )
    try:
        raw = base64.b64decode(signature.signature, validate=True)
        signing.verify(signing.load_public_pem(key.public_pem), raw, statement)
    except (binascii.Error, ValueError, InvalidSignature) as exc:
        raise ValidationFailed(
            "the upload signature does not match this package", code="invalid_upload_signature"
        ) from exc
    return key


async def _audit(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    action: str,
    key_id: str,
    fingerprint: str,
) -> None:
    await record(
        session,
        principal,
        action,
        "upload_key",
        key_id,
        org_id=access.org.id,
        app_id=access.app.id,
        details={"fingerprint": fingerprint},
    )
