"""Purge providers: CloudFront invalidations (boto3) and a generic HTTP purge URL.

`purge(paths)` either purges every path or raises PurgeFailed with a short reason (what the
CDN answered, truncated: a huge or malformed answer is never read whole).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tradewind.outbound import tls_context
from tradewind.settings import Settings

TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
MAX_REASON = 300
# CloudFront accepts up to 3000 paths per invalidation (15 with wildcards in progress).
CLOUDFRONT_MAX_PATHS = 3000


class PurgeFailed(Exception):
    pass


class Purger(Protocol):
    async def purge(self, paths: list[str]) -> None: ...

    async def close(self) -> None: ...


class CloudFrontPurger:
    """One invalidation per batch; each path with a trailing `*`, so that every cached
    variant (query strings such as ?toss=) is invalidated too."""

    def __init__(self, settings: Settings) -> None:
        secret = settings.cdn_cloudfront_secret_access_key
        self.distribution_id = settings.cdn_cloudfront_distribution_id
        self.client: Any = boto3.client(
            "cloudfront",
            endpoint_url=settings.cdn_cloudfront_endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=settings.cdn_cloudfront_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(
                connect_timeout=TIMEOUT_SECONDS,
                read_timeout=TIMEOUT_SECONDS,
                retries={"max_attempts": 1},  # the queue retries, with backoff
            ),
        )

    async def purge(self, paths: list[str]) -> None:
        items = sorted({f"{path}*" for path in paths})
        for start in range(0, len(items), CLOUDFRONT_MAX_PATHS):
            await asyncio.to_thread(self._invalidate, items[start : start + CLOUDFRONT_MAX_PATHS])

    def _invalidate(self, items: list[str]) -> None:
        batch = {
            "Paths": {"Quantity": len(items), "Items": items},
            "CallerReference": f"tradewind-{uuid.uuid4().hex}",
        }
        try:
            self.client.create_invalidation(
                DistributionId=self.distribution_id, InvalidationBatch=batch
            )
        except (BotoCoreError, ClientError) as exc:
            raise PurgeFailed(f"cloudfront: {exc}"[:MAX_REASON]) from exc

    async def close(self) -> None:
        return None


class HttpPurger:
    """One request per path to the URL template (`{path}` URL-encoded); 2xx is success."""

    def __init__(self, settings: Settings) -> None:
        self.template = settings.cdn_purge_url_template
        self.method = settings.cdn_purge_http_method
        headers = {k: v.get_secret_value() for k, v in settings.cdn_purge_http_headers.items()}
        self.http = httpx.AsyncClient(
            timeout=TIMEOUT_SECONDS, headers=headers, verify=tls_context()
        )

    async def purge(self, paths: list[str]) -> None:
        for path in sorted(set(paths)):
            await self._one(self.template.replace("{path}", quote(path, safe="/")))

    async def _one(self, url: str) -> None:
        shown = urlsplit(url)._replace(query="", fragment="").geturl()  # a query may hold a key
        try:
            async with self.http.stream(self.method, url) as answer:
                body = await _bounded(answer)
        except httpx.HTTPError as exc:
            raise PurgeFailed(f"{self.method} {shown}: {type(exc).__name__}") from exc
        if not 200 <= answer.status_code < 300:
            snippet = body[:200].decode("utf-8", "replace")
            reason = f"{self.method} {shown}: {answer.status_code} {snippet}"
            raise PurgeFailed(reason[:MAX_REASON])

    async def close(self) -> None:
        await self.http.aclose()


async def _bounded(answer: httpx.Response) -> bytes:
    """At most MAX_RESPONSE_BYTES of the body; the rest is not read."""
    body = b""
    async for chunk in answer.aiter_bytes():
        body += chunk
        if len(body) >= MAX_RESPONSE_BYTES:
            break
    return body[:MAX_RESPONSE_BYTES]


def create_purger(settings: Settings) -> Purger | None:
    if settings.cdn_purge_provider == "cloudfront":
        return CloudFrontPurger(settings)
    if settings.cdn_purge_provider == "http":
        return HttpPurger(settings)
    return None
