"""Queries for the background compressor."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.models import Blob


@dataclass(frozen=True, slots=True)
class PendingBlob:
    id: int
    storage_key: str
    content_type: str
    size: int


async def pending(session: AsyncSession, limit: int, exclude: Collection[int]) -> list[PendingBlob]:
    """Blobs nobody has looked at yet (`encodings` NULL), oldest first."""
    query = select(Blob.id, Blob.storage_key, Blob.content_type, Blob.size).where(
        Blob.encodings.is_(None)
    )
    if exclude:
        query = query.where(Blob.id.not_in(sorted(exclude)))
    rows = await session.execute(query.order_by(Blob.id).limit(limit))
    return [PendingBlob(r.id, r.storage_key, r.content_type, r.size) for r in rows]


async def mark(session: AsyncSession, blob_id: int, encodings: str) -> bool:
    """Record the stored variants; False when the blob is gone or another worker did it."""
    result = await session.execute(
        update(Blob)
        .where(Blob.id == blob_id, Blob.encodings.is_(None))
        .values(encodings=encodings)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1
