"""Blob storage: one interface (`BlobStore`), a local-disk and an S3-compatible backend."""

from tradewind.storage.base import Adoption, BlobNotFound, BlobStore, validate_key
from tradewind.storage.factory import create_blob_store
from tradewind.storage.local import LocalBlobStore

__all__ = [
    "Adoption",
    "BlobNotFound",
    "BlobStore",
    "LocalBlobStore",
    "create_blob_store",
    "validate_key",
]
