"""Queries of key management: the canary, signing keys, upload keys and policies."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from tradewind.models.keys import KeyringCanary, SigningKey, UploadKey, UploadPolicy


async def canary(session: AsyncSession) -> bytes | None:
    query = select(KeyringCanary.sealed).order_by(KeyringCanary.id).limit(1)
    found = await session.scalar(query)
    return bytes(found) if found is not None else None


async def add_canary(session: AsyncSession, sealed: bytes) -> None:
    session.add(KeyringCanary(sealed=sealed))
    await session.flush()


async def signing_keys(session: AsyncSession, app_id: int) -> list[SigningKey]:
    query = (
        select(SigningKey)
        .where(SigningKey.app_id == app_id)
        .order_by(SigningKey.created_at, SigningKey.id)
    )
    return list((await session.scalars(query)).all())


async def signing_key(session: AsyncSession, app_id: int, key_id: str) -> SigningKey | None:
    query = select(SigningKey).where(SigningKey.app_id == app_id, SigningKey.key_id == key_id)
    return (await session.scalars(query)).one_or_none()


async def sealed_signing_keys(session: AsyncSession, after_id: int, limit: int) -> list[SigningKey]:
    """A page of every application's signing keys, by id (for rotation)."""
    query = select(SigningKey).where(SigningKey.id > after_id).order_by(SigningKey.id).limit(limit)
    return list((await session.scalars(query)).all())


async def all_canaries(session: AsyncSession) -> list[KeyringCanary]:
    return list((await session.scalars(select(KeyringCanary))).all())


async def upload_keys(session: AsyncSession, app_id: int) -> list[UploadKey]:
    query = select(UploadKey).where(UploadKey.app_id == app_id).order_by(UploadKey.id)
    return list((await session.scalars(query)).all())


async def upload_key(session: AsyncSession, app_id: int, key_id: str) -> UploadKey | None:
    query = select(UploadKey).where(UploadKey.app_id == app_id, UploadKey.key_id == key_id)
    return (await session.scalars(query)).one_or_none()


async def upload_policy(session: AsyncSession, app_id: int) -> UploadPolicy | None:
    return await session.get(UploadPolicy, app_id, populate_existing=True)


async def sealed_batch(
    session: AsyncSession, column: InstrumentedAttribute[bytes], after_id: int, limit: int
) -> list[tuple[int, bytes]]:
    """(id, sealed value) of a sealed column's rows after `after_id`, in id order."""
    model = column.class_
    query = select(model.id, column).where(model.id > after_id).order_by(model.id).limit(limit)
    return [(row_id, bytes(sealed)) for row_id, sealed in (await session.execute(query)).all()]


async def replace_sealed(
    session: AsyncSession,
    column: InstrumentedAttribute[bytes],
    row_id: int,
    old: bytes,
    new: bytes,
) -> None:
    """Swap one sealed value, only if it is still `old` (a concurrent change wins)."""
    model = column.class_
    await session.execute(
        update(model).where(model.id == row_id, column == old).values({column.key: new})
    )


async def all_sealed(session: AsyncSession, column: InstrumentedAttribute[bytes]) -> list[bytes]:
    return [bytes(sealed) for sealed in (await session.scalars(select(column))).all()]
