"""One configured provider at run time: its settings, cached metadata and keys, and health.

Metadata and keys are fetched once and then served from memory; the registry's background
loop refreshes them every `oidc_jwks_ttl_seconds`. A request only waits on the network when
nothing is cached yet, or when a token names a key id we do not know (a key rotation) — and
that refresh happens at most once per `KEY_REFRESH_MIN_INTERVAL`, so a flood of tokens with
made-up key ids cannot make us hammer the provider.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable

import httpx

from tradewind.oidc.discovery import (
    ProviderMetadata,
    ProviderUnavailable,
    SigningKey,
    discovery_url,
    fetch_json,
    parse_jwks,
    parse_metadata,
)
from tradewind.settings import OIDCProviderSettings

log = logging.getLogger("tradewind.oidc")

KEY_REFRESH_MIN_INTERVAL = 30.0  # seconds between JWKS refreshes caused by unknown key ids
RETRY_INTERVAL = 30.0  # seconds before a failed discovery is tried again

Clock = Callable[[], float]


class Provider:
    def __init__(
        self,
        config: OIDCProviderSettings,
        http: Callable[[], httpx.AsyncClient],
        *,
        ttl_seconds: float,
        config_problems: list[str],
        clock: Clock = time.monotonic,
    ) -> None:
        self.config = config
        self.clock = clock
        self.ttl = ttl_seconds
        # Problems found in the settings themselves; they keep the provider not ready.
        self.config_problems = config_problems
        self.metadata: ProviderMetadata | None = None
        self.failure: str | None = None
        self._http = http
        self._keys: list[SigningKey] = []
        self._loaded_at = -math.inf
        self._attempted_at = -math.inf
        self._keys_refreshed_at = -math.inf
        self._generation = 0
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def fetchable(self) -> bool:
        return not any(p.startswith("issuer") for p in self.config_problems)

    def status(self) -> str:
        """'ok', or why this provider cannot be used (for the readiness check)."""
        problems = list(self.config_problems)
        if self.failure is not None:
            problems.append(self.failure)
        elif self.metadata is None:
            problems.append("not loaded yet")
        return "ok" if not problems else "; ".join(problems)

    def due(self) -> bool:
        """Whether the background loop should (re)fetch now."""
        if not self.fetchable:
            return False
        now = self.clock()
        if self.failure is not None or self.metadata is None:
            return now - self._attempted_at >= RETRY_INTERVAL
        return now - self._loaded_at >= self.ttl

    async def refresh(self) -> None:
        """Fetch discovery and keys again; on failure keep what we had and record why."""
        generation = self._generation
        async with self._lock:
            if self._generation != generation:
                return  # someone refreshed while we waited for the lock
            self._attempted_at = self.clock()
            try:
                metadata = parse_metadata(
                    await fetch_json(self._http(), discovery_url(self.config.issuer)),
                    self.config.issuer,
                )
                keys = parse_jwks(
                    await fetch_json(self._http(), metadata.jwks_uri),
                    metadata.signing_algorithms,
                )
            except ProviderUnavailable as exc:
                self._fail(exc.reason)
                raise
            self.metadata, self._keys = metadata, keys
            self._loaded_at = self.clock()
            self._generation += 1
            self._recover()

    async def settled(self) -> None:
        """Wait for a fetch in progress (e.g. the first one, from the background loop)."""
        async with self._lock:
            return

    async def ready_metadata(self) -> ProviderMetadata:
        """The cached metadata, fetching it first if this provider was never loaded."""
        if self.metadata is not None:
            return self.metadata
        if not self.fetchable:
            raise ProviderUnavailable("; ".join(self.config_problems))
        if self.clock() - self._attempted_at < RETRY_INTERVAL and self.failure is not None:
            raise ProviderUnavailable(self.failure)
        await self.refresh()
        assert self.metadata is not None
        return self.metadata

    async def signing_key(self, kid: str | None) -> SigningKey | None:
        """The key a token names; an unknown id triggers one rate-limited JWKS refresh."""
        await self.ready_metadata()
        key = self._find(kid)
        if key is None and kid is not None:
            await self._refresh_keys()
            key = self._find(kid)
        return key

    def _find(self, kid: str | None) -> SigningKey | None:
        if kid is None:
            # A token without a key id is only acceptable when there is a single key.
            return self._keys[0] if len(self._keys) == 1 else None
        return next((k for k in self._keys if k.kid == kid), None)

    async def _refresh_keys(self) -> None:
        generation = self._generation
        async with self._lock:
            now = self.clock()
            if self._generation != generation or now - self._keys_refreshed_at < (
                KEY_REFRESH_MIN_INTERVAL
            ):
                return
            self._keys_refreshed_at = now
            assert self.metadata is not None
            try:
                document = await fetch_json(self._http(), self.metadata.jwks_uri)
                self._keys = parse_jwks(document, self.metadata.signing_algorithms)
            except ProviderUnavailable as exc:
                self._fail(exc.reason)
                return  # keep verifying with the keys we have
            self._generation += 1
            self._recover()

    def _fail(self, reason: str) -> None:
        if reason != self.failure:
            log.error(
                "OIDC provider '%s' (issuer %s) is not usable: %s; retrying every %ds, "
                "readiness check 'oidc' reports not ready",
                self.name,
                self.config.issuer,
                reason,
                int(RETRY_INTERVAL),
            )
        self.failure = reason

    def _recover(self) -> None:
        if self.failure is not None or self._generation == 1:
            log.info("OIDC provider '%s' ready (issuer %s)", self.name, self.config.issuer)
        self.failure = None
