"""The configured providers of this process, their health, and API bearer-token sign-in.

Settings problems (a missing client secret, an issuer that is not a URL, a duplicated name)
and an unreachable or inconsistent issuer never stop the server: they are logged once, the
`oidc` readiness check reports them, and the background loop keeps retrying.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.db import Database
from tradewind.errors import NotFound, Unauthorized
from tradewind.oidc import groups, service, tokens
from tradewind.oidc.discovery import HTTP_TIMEOUT, ProviderUnavailable, is_http_url
from tradewind.oidc.provider import Clock, Provider
from tradewind.outbound import tls_context
from tradewind.settings import OIDCProviderSettings, Settings

if TYPE_CHECKING:
    from tradewind.context import AppContext

log = logging.getLogger("tradewind.oidc")

LOOP_INTERVAL_SECONDS = 5.0
GROUP_SYNC_MEMO_SECONDS = 300.0
GROUP_SYNC_MEMO_SIZE = 10_000


def _config_problems(config: OIDCProviderSettings) -> list[str]:
    problems = []
    if not is_http_url(config.issuer):
        problems.append("issuer is not an http(s) URL")
    if config.client_secret is None or not config.client_secret.get_secret_value():
        problems.append("client_secret is missing (needed for dashboard sign-in)")
    return problems


class GroupSyncMemo:
    """Remembers which (issuer, subject, groups) were synced lately, so API requests carrying
    the same token do not rewrite memberships each time."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    @staticmethod
    def _key(ext: service.ExternalIdentity) -> str:
        text = "\x00".join([ext.issuer, ext.subject, *sorted(ext.groups or ())])
        return hashlib.sha256(text.encode()).hexdigest()

    def fresh(self, ext: service.ExternalIdentity) -> bool:
        seen = self._seen.get(self._key(ext))
        return seen is not None and self.clock() - seen < GROUP_SYNC_MEMO_SECONDS

    def remember(self, ext: service.ExternalIdentity) -> None:
        key = self._key(ext)
        self._seen.pop(key, None)
        self._seen[key] = self.clock()
        while len(self._seen) > GROUP_SYNC_MEMO_SIZE:
            self._seen.popitem(last=False)


class OIDCRegistry:
    def __init__(self, settings: Settings, db: Database, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self.db = db
        self.providers: dict[str, Provider] = {}
        self.group_memo = GroupSyncMemo(clock)
        self._http: httpx.AsyncClient | None = None
        for config in settings.oidc_providers:
            if config.name in self.providers:
                log.error(
                    "TRADEWIND_OIDC_PROVIDERS names provider '%s' twice; the second is ignored",
                    config.name,
                )
                self.providers[config.name].config_problems.append("configured twice")
                continue
            problems = _config_problems(config)
            for problem in problems:
                log.error("OIDC provider '%s' is misconfigured: %s", config.name, problem)
            self.providers[config.name] = Provider(
                config,
                self.http,
                ttl_seconds=settings.oidc_jwks_ttl_seconds,
                config_problems=problems,
                clock=clock,
            )

    @property
    def enabled(self) -> bool:
        return bool(self.providers)

    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=HTTP_TIMEOUT, headers={"User-Agent": "tradewind-oidc"}, verify=tls_context()
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def get(self, name: str) -> Provider:
        provider = self.providers.get(name)
        if provider is None:
            raise NotFound(f"no sign-in provider '{name}'", code="oidc_provider_not_found")
        return provider

    def for_issuer(self, issuer: object) -> Provider | None:
        for provider in self.providers.values():
            published = provider.metadata.issuer if provider.metadata else provider.config.issuer
            if isinstance(issuer, str) and issuer in (published, provider.config.issuer):
                return provider
        return None

    async def refresh_due(self) -> None:
        for provider in self.providers.values():
            if provider.due():
                # A failure is recorded and logged by the provider itself.
                with contextlib.suppress(ProviderUnavailable):
                    await provider.refresh()

    async def load_all(self) -> list[Provider]:
        """Every provider, each loaded first when it never was (and may be retried)."""
        for provider in self.providers.values():
            with contextlib.suppress(ProviderUnavailable):
                await provider.ready_metadata()
        return list(self.providers.values())

    async def readiness(self) -> str:
        await self.refresh_due()
        for provider in self.providers.values():
            await provider.settled()
        bad = [f"{p.name}: {s}" for p in self.providers.values() if (s := p.status()) != "ok"]
        return "ok" if not bad else "; ".join(bad)

    async def run(self) -> None:
        """Background loop: keep metadata and keys fresh, retry failed providers."""
        while True:
            try:
                await self.refresh_due()
            except Exception:  # the loop must survive anything a provider throws at it
                log.exception("OIDC refresh loop failed; continuing")
            await asyncio.sleep(LOOP_INTERVAL_SECONDS)

    async def authenticate_bearer(self, _: AsyncSession, token: str) -> Principal:
        """A provider-issued JWT access token on the API → the user it belongs to.

        Provisioning and group sync run in their own, immediately committed unit of work: a
        membership the provider revoked must be gone even if this request then fails."""
        issuer = tokens.unverified_claims(token).get("iss")
        provider = self.for_issuer(issuer)
        if provider is None:
            raise Unauthorized(
                f"tokens from issuer {issuer!r} are not accepted here", code="oidc_wrong_issuer"
            )
        config = provider.config
        claims = await tokens.verify(
            provider,
            token,
            audience=config.audience or config.client_id,
            leeway=self.settings.oidc_clock_leeway_seconds,
        )
        assert provider.metadata is not None
        ext = service.identity_from_claims(config, provider.metadata.issuer, claims, complete=False)
        sync = ext.groups is not None and not self.group_memo.fresh(ext)
        async with self.db.unit_of_work() as session:
            user = await service.resolve_user(session, self.settings, config, ext)
            if sync:
                await groups.sync_memberships(session, config.name, user, ext.groups or ())
        if sync:
            self.group_memo.remember(ext)
        via = f"single sign-on access token ({config.name})"
        return Principal(user.id, user.email, user.is_site_admin, via=via)


async def oidc_readiness(ctx: AppContext) -> str:
    return await ctx.oidc.readiness()


async def oidc_refresh_loop(ctx: AppContext) -> None:
    try:
        await ctx.oidc.run()
    finally:
        await ctx.oidc.aclose()
