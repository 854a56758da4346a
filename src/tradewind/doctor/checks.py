"""Each check answers one question about the deployment and never raises: it returns a
Finding ("ok", "warn" or "fail" with what was seen). `diagnose` runs them all, in order."""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
from alembic.config import Config
from alembic.script import ScriptDirectory

from tradewind.db import MIGRATIONS_DIR, Database, current_revision
from tradewind.keys import repository as keys_repo
from tradewind.keys.setup import CANARY, CANARY_PURPOSE, keyring_for
from tradewind.oidc.discovery import discovery_url, fetch_json, parse_metadata
from tradewind.settings import Settings
from tradewind.storage.factory import create_blob_store

Status = Literal["ok", "warn", "fail"]
HTTP_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _short(exc: BaseException) -> str:
    exc = exc.__cause__ or exc  # DatabaseUnavailable and the like: the driver's own error
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:300]


async def check_settings(settings: Settings) -> list[Finding]:
    findings = []
    try:
        settings.resolved_secret_key()
        findings.append(Finding("secret key", "ok", "set"))
    except Exception as exc:  # ConfigurationError, or an unwritable data directory
        findings.append(Finding("secret key", "fail", _short(exc)))
    if settings.is_sqlite and settings.workers > 1:
        findings.append(
            Finding("database", "warn", "SQLite with several workers: use PostgreSQL in production")
        )
    if not settings.public_base_url:
        findings.append(
            Finding(
                "public URL",
                "warn",
                "TRADEWIND_PUBLIC_BASE_URL is empty: devices get "
                f"{settings.base_url()} in their download URLs",
            )
        )
    if settings.metrics_enabled and settings.metrics_token is None:
        findings.append(
            Finding("metrics", "warn", "/metrics is public: set TRADEWIND_METRICS_TOKEN")
        )
    return findings


async def check_database(settings: Settings) -> list[Finding]:
    db = Database.for_settings(settings)
    try:
        await db.ping()
        revision = await current_revision(db)
    except Exception as exc:  # any driver error: unreachable, refused, wrong credentials
        return [Finding("database", "fail", f"unreachable: {_short(exc)}")]
    finally:
        await db.dispose()
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if revision != head:
        detail = (
            f"at revision {revision or 'none'}, code expects {head}: run `tradewind db upgrade`"
        )
        return [Finding("database", "warn", detail)]
    return [Finding("database", "ok", f"reachable, at revision {revision}")]


async def _stored_canary(settings: Settings) -> bytes | None:
    """The database's sealed keyring canary; None when it has none yet or cannot be read
    (the database check says why)."""
    db = Database.for_settings(settings)
    try:
        async with db.unit_of_work() as session:
            return await keys_repo.canary(session)
    except Exception:  # unreachable or not migrated: reported by check_database
        return None
    finally:
        await db.dispose()


async def check_keys(settings: Settings) -> list[Finding]:
    """The key-encryption key loads (the local key, or KMS answers) and opens this database's
    secrets: the canary every start checks, else a probe sealed and opened."""
    keyring = keyring_for(settings)
    name = f"key provider {keyring.provider_name}"
    canary = await _stored_canary(settings)
    try:
        await asyncio.to_thread(keyring.open, False)
    except Exception as exc:  # no key yet, an unreadable key file, KMS refusing or unreachable
        if canary is None and settings.key_provider == "local":
            return [Finding(name, "warn", f"no key yet, the first start creates it: {_short(exc)}")]
        return [Finding(name, "fail", f"{keyring.provider.source}: {_short(exc)}")]
    try:
        if canary is None:
            probe = await keyring.encrypt(b"tradewind doctor", "doctor-probe")
            opened = await keyring.decrypt(probe, "doctor-probe") == b"tradewind doctor"
            detail = "seals and opens a probe"
        else:
            opened = await keyring.decrypt(canary, CANARY_PURPOSE) == CANARY
            detail = "opens this database's secrets"
    except Exception as exc:  # a wrong key (the canary does not open), KMS refusing
        return [Finding(name, "fail", f"{keyring.provider.source}: {_short(exc)}")]
    if not opened:
        return [Finding(name, "fail", "the keyring canary holds an unexpected value")]
    return [Finding(name, "ok", f"{keyring.provider.source}: {detail}")]


async def check_storage(settings: Settings) -> list[Finding]:
    """Write, find and delete a small probe object: the permissions the server needs."""
    key = f"doctor/probe-{secrets.token_hex(8)}"
    try:
        store = create_blob_store(settings)
    except Exception as exc:
        return [Finding("storage", "fail", _short(exc))]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            probe = Path(tmp) / "probe"
            probe.write_bytes(b"tradewind doctor")
            await store.put_file(key, probe, "text/plain")
        if not await store.exists(key):
            return [Finding("storage", "fail", "a written probe object cannot be found")]
        await store.delete(key)
    except Exception as exc:  # permissions, unknown bucket, unreachable endpoint
        return [Finding("storage", "fail", f"{settings.storage_backend}: {_short(exc)}")]
    finally:
        await store.close()
    return [Finding("storage", "ok", f"{settings.storage_backend}: write, read and delete work")]


async def check_oidc(settings: Settings) -> list[Finding]:
    findings = []
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
        for provider in settings.oidc_providers:
            name = f"OIDC {provider.name}"
            try:
                document = await fetch_json(http, discovery_url(provider.issuer))
                parse_metadata(document, provider.issuer)
            except Exception as exc:
                findings.append(Finding(name, "fail", f"discovery: {_short(exc)}"))
                continue
            findings.append(Finding(name, "ok", f"discovery document of {provider.issuer}"))
    return findings


async def check_public_url(settings: Settings) -> list[Finding]:
    url = f"{settings.base_url()}/health/live"
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
            answer = await http.get(url)
    except httpx.HTTPError as exc:
        return [
            Finding(
                "public URL",
                "warn",
                f"{url} unreachable ({_short(exc)}): is the "
                "server running, and is this address reachable from here?",
            )
        ]
    if answer.status_code != 200:
        return [Finding("public URL", "fail", f"{url} answered {answer.status_code}")]
    return [Finding("public URL", "ok", f"{url} answers")]


Check = Callable[[Settings], Awaitable[list[Finding]]]
CHECKS: tuple[Check, ...] = (
    check_settings,
    check_database,
    check_keys,
    check_storage,
    check_oidc,
    check_public_url,
)


async def diagnose(settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS:
        try:
            findings += await check(settings)
        except Exception as exc:  # a check's own bug must not hide the others' answers
            findings.append(Finding(check.__name__.removeprefix("check_"), "fail", _short(exc)))
    return findings
