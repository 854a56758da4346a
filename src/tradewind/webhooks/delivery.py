"""Sending deliveries: sign, POST, read a bounded answer, and record the attempt.

A drain loop in every process takes due deliveries (SKIP LOCKED on PostgreSQL), claims them
for the attempt so no other process sends them meanwhile, sends them concurrently outside any
transaction, then records each answer: delivered on a 2xx, otherwise retried with exponential
backoff until `webhook_max_attempts`, then failed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from tradewind.db import Database
from tradewind.db_faults import is_unavailable
from tradewind.errors import ServiceUnavailable
from tradewind.keys.keyring import Keyring
from tradewind.models import Webhook, WebhookDelivery
from tradewind.models.base import utcnow
from tradewind.outbound import tls_context
from tradewind.settings import Settings
from tradewind.webhooks import repository as repo
from tradewind.webhooks import targets
from tradewind.webhooks.messages import render

log = logging.getLogger("tradewind.webhooks")

SECRET_PURPOSE = "webhook-secret"
MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_CHARS = 500
BATCH_SIZE = 50
CONCURRENCY = 10
USER_AGENT = "Tradewind-Webhooks/1"


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">`."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass(frozen=True)
class Job:
    row_id: int
    webhook_id: int
    delivery_id: str
    event: str
    payload: dict[str, Any]
    attempts: int
    url: str
    format: str
    secret_sealed: bytes


@dataclass(frozen=True)
class Attempt:
    status: int | None = None
    excerpt: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class DrainResult:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def new_client(settings: Settings) -> httpx.AsyncClient:
    # No redirects (a 3xx could point anywhere, past the SSRF guard); no proxy from the
    # environment (the guard checks the address actually called).
    return httpx.AsyncClient(
        timeout=settings.webhook_timeout_seconds,
        follow_redirects=False,
        trust_env=False,
        verify=tls_context(trust_env=False),
    )


def job_of(row: WebhookDelivery, hook: Webhook) -> Job:
    return Job(
        row.id,
        row.webhook_id,
        row.delivery_id,
        row.event,
        dict(row.payload),
        row.attempts,
        hook.url,
        hook.format,
        hook.secret_sealed,
    )


async def send(client: httpx.AsyncClient, settings: Settings, job: Job, secret: bytes) -> Attempt:
    try:
        await targets.check(job.url, settings.webhook_allow_private_targets)
    except targets.TargetRefused as exc:
        return Attempt(error=f"refused: {exc}")
    body = render(job.format, job.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tradewind-Event": job.event,
        "X-Tradewind-Delivery": job.delivery_id,
        "X-Tradewind-Signature": signature(secret, int(time.time()), body),
    }
    try:
        return await asyncio.wait_for(
            _post(client, job.url, body, headers), settings.webhook_timeout_seconds
        )
    except (TimeoutError, httpx.TimeoutException):
        return Attempt(error=f"timed out after {settings.webhook_timeout_seconds:g} s")
    except httpx.HTTPError as exc:
        return Attempt(error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])


async def _post(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]
) -> Attempt:
    async with client.stream("POST", url, content=body, headers=headers) as response:
        received = bytearray()
        async for chunk in response.aiter_raw():  # raw: a compressed answer is not inflated
            received += chunk[: MAX_RESPONSE_BYTES - len(received)]
            if len(received) >= MAX_RESPONSE_BYTES:
                break
    excerpt = bytes(received).decode("utf-8", "replace")[:EXCERPT_CHARS]
    return Attempt(response.status_code, excerpt)


def backoff(settings: Settings, attempts: int) -> timedelta:
    seconds = settings.webhook_interval_seconds * 2.0 ** min(attempts, 20)
    return timedelta(seconds=min(seconds, settings.webhook_max_backoff_seconds))


def claim_until(settings: Settings, now: datetime) -> datetime:
    """While an attempt is under way its row is not due; a crashed process's row is after this."""
    return now + timedelta(seconds=settings.webhook_timeout_seconds + 60)


def outcome(settings: Settings, job: Job, attempt: Attempt, now: datetime) -> dict[str, Any]:
    attempts = job.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": now,
        "response_status": attempt.status,
        "response_excerpt": attempt.excerpt,
        "last_error": attempt.error,
    }
    if attempt.ok:
        return values | {"status": "delivered", "next_attempt_at": None}
    if attempts >= settings.webhook_max_attempts:
        return values | {"status": "failed", "next_attempt_at": None}
    return values | {"status": "pending", "next_attempt_at": now + backoff(settings, job.attempts)}


async def attempt_jobs(
    db: Database, keyring: Keyring, settings: Settings, client: httpx.AsyncClient, jobs: list[Job]
) -> DrainResult:
    """Send claimed jobs and record every answer: webhooks concurrently, each webhook's
    deliveries one after the other in queue order."""
    limit = asyncio.Semaphore(CONCURRENCY)
    answers: dict[int, Attempt] = {}

    async def in_order(queue: list[Job]) -> None:
        async with limit:
            for job in queue:
                secret = await keyring.decrypt(job.secret_sealed, SECRET_PURPOSE)
                answers[job.row_id] = await send(client, settings, job, secret)

    queues: dict[int, list[Job]] = {}
    for job in jobs:
        queues.setdefault(job.webhook_id, []).append(job)
    await asyncio.gather(*(in_order(queue) for queue in queues.values()))
    attempts = [answers[job.row_id] for job in jobs]
    now = utcnow()
    result = DrainResult()
    async with db.unit_of_work() as session:
        for job, attempt in zip(jobs, attempts, strict=True):
            values = outcome(settings, job, attempt, now)
            await repo.record_attempt(session, job.row_id, **values)
            status = values["status"]
            result.delivered += status == "delivered"
            result.retrying += status == "pending"
            result.failed += status == "failed"
            if status != "delivered":
                log.warning("webhook delivery %s: %s", job.delivery_id, _reason(attempt))
    return result


def _reason(attempt: Attempt) -> str:
    return attempt.error or f"HTTP {attempt.status}"


async def drain_once(
    db: Database,
    keyring: Keyring,
    settings: Settings,
    client: httpx.AsyncClient,
    now: datetime | None = None,
) -> DrainResult:
    now = now or utcnow()
    async with db.unit_of_work() as session:
        rows = await repo.take_due(session, now, BATCH_SIZE)
        if not rows:
            return DrainResult()
        hooks = await repo.webhooks_by_id(session, {row.webhook_id for row in rows})
        jobs = [job_of(row, hooks[row.webhook_id]) for row in rows]
        await repo.postpone(session, [job.row_id for job in jobs], claim_until(settings, now))
    return await attempt_jobs(db, keyring, settings, client, jobs)


async def run_deliveries(db: Database, keyring: Keyring, settings: Settings) -> None:
    """The drain loop; a database outage or a slow endpoint only delays deliveries."""
    async with new_client(settings) as client:
        while True:
            try:
                result = await drain_once(db, keyring, settings, client)
            except Exception as exc:
                if isinstance(exc, ServiceUnavailable) or is_unavailable(exc):
                    log.warning("webhook deliveries postponed: %s", type(exc).__name__)
                else:
                    log.exception("webhook drain failed")
                result = DrainResult()
            if not (result.delivered or result.retrying or result.failed):
                await asyncio.sleep(settings.webhook_interval_seconds)
