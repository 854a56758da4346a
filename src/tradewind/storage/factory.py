"""Pick the blob store backend from settings."""

from __future__ import annotations

from tradewind.settings import Settings
from tradewind.storage.base import BlobStore
from tradewind.storage.local import LocalBlobStore


def create_blob_store(settings: Settings) -> BlobStore:
    if settings.storage_backend == "s3":
        from tradewind.storage.s3 import S3BlobStore  # boto3 is slow to import; only when used

        return S3BlobStore.from_settings(settings)
    return LocalBlobStore(settings.data_dir / "blobs")
