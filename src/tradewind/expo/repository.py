"""Queries behind the Expo snapshots: every Expo release an application ever had."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.expo import manifest as docs
from tradewind.expo.snapshot import Bundle, History, PastUpdate
from tradewind.models import Blob, File, Package, Release


async def load_history(session: AsyncSession, app_id: int) -> History:
    """Update id -> release and bundle, for every release of an Expo package (one query)."""
    query = (
        select(
            Release.id,
            Release.created_at,
            Package.version,
            Package.properties,
            File.sha256,
            File.size,
            Blob.storage_key,
        )
        .join(Package, Package.id == Release.package_id)
        .join(File, File.id == Package.index_file_id)
        .join(Blob, Blob.id == File.blob_id)
        .where(Release.app_id == app_id)
    )
    updates: dict[str, PastUpdate] = {}
    bundles: dict[str, Bundle] = {}
    for release_id, created_at, version, properties, sha, size, key in await session.execute(query):
        expo = docs.expo_package(properties)
        if expo is None:
            continue
        embedded = expo.kind == docs.KIND_EMBEDDED
        id_ = docs.update_id(app_id, release_id, created_at)
        updates[id_] = PastUpdate(release_id, str(version), None if embedded else sha)
        if not embedded:
            bundles[sha] = Bundle(sha, key, size)
    return History(updates, bundles)
