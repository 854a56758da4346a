"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, GCS interoperability).

boto3 is synchronous; every network call runs in a worker thread via `asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tradewind.errors import BadRequest, ConfigurationError, ServiceUnavailable
from tradewind.settings import Settings
from tradewind.storage.base import (
    READ_CHUNK_SIZE,
    BlobNotFound,
    BlobStore,
    validate_key,
    validate_prefix,
    validate_range,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import GetObjectOutputTypeDef, ListObjectsV2OutputTypeDef

T = TypeVar("T")

MULTIPART_CHUNK_SIZE = 8 * 1024 * 1024
# Memory held by one upload is about chunk size x concurrency, whatever the file size.
TRANSFER_CONFIG = TransferConfig(
    multipart_threshold=MULTIPART_CHUNK_SIZE,
    multipart_chunksize=MULTIPART_CHUNK_SIZE,
    max_concurrency=4,
    use_threads=True,
)
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def make_s3_client(settings: Settings) -> S3Client:
    """A client for the configured endpoint; credentials from settings or the AWS chain."""
    key_id = settings.s3_access_key_id
    secret = settings.s3_secret_access_key
    if bool(key_id) != bool(secret and secret.get_secret_value()):
        raise ConfigurationError(
            "set both TRADEWIND_S3_ACCESS_KEY_ID and TRADEWIND_S3_SECRET_ACCESS_KEY, or neither "
            "(to use the default AWS credential chain)"
        )
    custom_endpoint = bool(settings.s3_endpoint_url)
    config = Config(
        region_name=settings.s3_region,
        signature_version="s3v4",
        # Third-party S3 servers rarely support bucket-name DNS (virtual-hosted) addressing.
        s3={"addressing_style": "path" if custom_endpoint else "auto"},
        retries={"max_attempts": 5, "mode": "standard"},
        max_pool_connections=20,
        # Newer botocore adds CRC trailers some S3-compatible servers (GCS, older MinIO) reject.
        request_checksum_calculation="when_required" if custom_endpoint else "when_supported",
        response_checksum_validation="when_required" if custom_endpoint else "when_supported",
    )
    session = boto3.session.Session()
    return session.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        aws_access_key_id=key_id or None,
        aws_secret_access_key=secret.get_secret_value() if key_id and secret else None,
        config=config,
    )


def normalise_prefix(prefix: str) -> str:
    """`""` stays empty; anything else becomes `a/b/` (so keys become `a/b/<key>`)."""
    stripped = prefix.strip("/")
    if not stripped:
        return ""
    try:
        validate_key(stripped)
    except BadRequest as exc:
        raise ConfigurationError(f"TRADEWIND_S3_PREFIX is not a valid key prefix: {exc}") from exc
    return stripped + "/"


class S3BlobStore(BlobStore):
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        *,
        prefix: str = "",
        public_base_url: str | None = None,
        presign_ttl_seconds: int = 86400,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = normalise_prefix(prefix)
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self.presign_ttl_seconds = presign_ttl_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> S3BlobStore:
        return cls(
            make_s3_client(settings),
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            public_base_url=settings.s3_public_base_url,
            presign_ttl_seconds=settings.s3_presign_ttl_seconds,
        )

    @property
    def url_ttl_seconds(self) -> int | None:
        return None if self.public_base_url else self.presign_ttl_seconds

    def object_key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    async def put_file(
        self, key: str, path: Path, content_type: str, content_encoding: str | None = None
    ) -> None:
        object_key = self.object_key(key)
        extra = {"ContentType": content_type}
        if content_encoding:
            extra["ContentEncoding"] = content_encoding
        await self._call(
            self.client.upload_file,
            str(path),
            self.bucket,
            object_key,
            ExtraArgs=extra,
            Config=TRANSFER_CONFIG,
        )

    async def exists(self, key: str) -> bool:
        try:
            await self._head(key)
        except BlobNotFound:
            return False
        return True

    async def size(self, key: str) -> int:
        return await self._head(key)

    async def delete(self, key: str) -> None:
        object_key = self.object_key(key)
        await self._call(self.client.delete_object, Bucket=self.bucket, Key=object_key)

    async def read_range(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        validate_range(start, end)
        response = await self._get(key, start, end)
        if response is None:
            return
        body = response["Body"]
        try:
            while chunk := await self._call(body.read, READ_CHUNK_SIZE):
                yield chunk
        finally:
            body.close()

    async def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        validate_prefix(prefix)
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        iterator: Iterator[ListObjectsV2OutputTypeDef] = iter(pages)
        while page := await self._call(next, iterator, None):
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):  # "folder" markers made by consoles/tools
                    yield item["Key"][len(self.prefix) :]

    def device_url(self, key: str, base_asset_url: str) -> str:
        object_key = self.object_key(key)
        if self.public_base_url:
            return f"{self.public_base_url}/{object_key}"
        with _translate_errors(key):
            return self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": object_key},
                ExpiresIn=self.presign_ttl_seconds,
            )

    async def close(self) -> None:
        await asyncio.to_thread(self.client.close)

    async def _head(self, key: str) -> int:
        object_key = self.object_key(key)
        with _translate_errors(key):
            head = await asyncio.to_thread(
                self.client.head_object, Bucket=self.bucket, Key=object_key
            )
        return head["ContentLength"]

    async def _get(self, key: str, start: int, end: int | None) -> GetObjectOutputTypeDef | None:
        """GetObject for the range, or None when the range starts past the end of the blob."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self.object_key(key)}
        if start or end is not None:  # a Range on an empty object is a 416 even from byte 0
            params["Range"] = f"bytes={start}-{'' if end is None else end}"

        def fetch() -> GetObjectOutputTypeDef | None:
            try:
                return self.client.get_object(**params)
            except ClientError as exc:
                if _error_code(exc) == "InvalidRange":
                    return None
                raise

        with _translate_errors(key):
            return await asyncio.to_thread(fetch)

    async def _call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with _translate_errors(None):
            return await asyncio.to_thread(func, *args, **kwargs)


def _error_code(exc: BaseException | None) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


@contextmanager
def _translate_errors(key: str | None) -> Iterator[None]:
    """Missing objects become BlobNotFound; any other S3 failure a 503 with a stable code."""
    try:
        yield
    except ClientError as exc:
        if key is not None and _error_code(exc) in _NOT_FOUND_CODES:
            raise BlobNotFound("blob not found", details={"key": key}) from exc
        raise _unavailable(exc) from exc
    except (BotoCoreError, Boto3Error) as exc:
        raise _unavailable(exc) from exc


def _origin(exc: BaseException) -> BaseException | None:
    """boto3's S3UploadFailedError wraps the ClientError implicitly (no `from`)."""
    return exc.__cause__ or exc.__context__


def _unavailable(exc: Exception) -> ServiceUnavailable:
    # The message reaches clients: name the failure class, never the bucket or credentials.
    return ServiceUnavailable(
        "blob storage is unavailable",
        code="blob_store_unavailable",
        details={"reason": _error_code(exc) or _error_code(_origin(exc)) or type(exc).__name__},
    )
