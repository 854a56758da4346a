"""Key management as the API, CLI and dashboard do it: audited, by a principal on an app."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.audit.service import record
from tradewind.keys import service
from tradewind.keys.keyring import Keyring
from tradewind.keys.schemas import SigningKeyCreate
from tradewind.keys.service import NewSigningKey
from tradewind.models.keys import SigningKey


async def create_key(
    session: AsyncSession,
    keyring: Keyring,
    principal: Principal,
    access: AppAccess,
    body: SigningKeyCreate,
    certificate_days: int = service.DEFAULT_CERTIFICATE_DAYS,
) -> SigningKey:
    generated = "es256" if body.private_pem is None else None  # neither given: es256
    spec = NewSigningKey(
        algorithm=body.algorithm or generated,
        key_id=body.key_id,
        private_pem=body.private_pem,
        make_default=body.default,
        common_name=body.common_name,
        certificate_days=body.certificate_days or certificate_days,
    )
    row = await service.create_signing_key(session, keyring, access.app.id, spec)
    action = "signing_key.import" if row.imported else "signing_key.create"
    await _audit(session, principal, access, action, row)
    return row


async def make_default(
    session: AsyncSession, principal: Principal, access: AppAccess, key_id: str
) -> SigningKey:
    was = (await service.get_signing_key(session, access.app.id, key_id)).is_default
    row = await service.make_default(session, access.app.id, key_id)
    if not was:
        await _audit(session, principal, access, "signing_key.default", row)
    return row


async def set_disabled(
    session: AsyncSession, principal: Principal, access: AppAccess, key_id: str, disabled: bool
) -> SigningKey:
    before = (await service.get_signing_key(session, access.app.id, key_id)).disabled
    row = await service.set_disabled(session, access.app.id, key_id, disabled)
    if before != disabled:
        action = "signing_key.disable" if disabled else "signing_key.enable"
        await _audit(session, principal, access, action, row)
    return row


async def _audit(
    session: AsyncSession, principal: Principal, access: AppAccess, action: str, row: SigningKey
) -> None:
    await record(
        session,
        principal,
        action,
        "signing_key",
        row.key_id,
        org_id=access.org.id,
        app_id=access.app.id,
        details={"algorithm": row.algorithm, "fingerprint": row.fingerprint},
    )
