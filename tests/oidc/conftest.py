"""Fixtures for the single sign-on tests: a running provider and apps configured with it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fixtures.apps import started_app
from fixtures.database import TestDatabase
from fixtures.oidc import FakeClock, MockProvider, running_provider
from fixtures.oidc_harness import SSO, SsoFactory

from tradewind.context import AppContext
from tradewind.settings import OIDCProviderSettings, Settings


@pytest.fixture
def provider() -> Iterator[MockProvider]:
    with running_provider() as running:
        yield running


@pytest.fixture
async def sso_factory(settings: Settings, test_database: TestDatabase) -> AsyncIterator[SsoFactory]:
    stack = AsyncExitStack()

    async def make(*providers: OIDCProviderSettings, **updates: Any) -> SSO:
        clock = FakeClock()

        def use_clock(ctx: AppContext) -> None:
            for configured in ctx.oidc.providers.values():
                configured.clock = clock
            ctx.oidc.group_memo.clock = clock

        with_sso = settings.model_copy(update={"oidc_providers": list(providers), **updates})
        app = await stack.enter_async_context(started_app(with_sso, use_clock))
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        client = httpx.AsyncClient(
            base_url="http://testserver", mounts={"http://testserver": transport}, timeout=10
        )
        await stack.enter_async_context(client)
        return SSO(app, client, clock)

    try:
        yield make
    finally:
        await stack.aclose()
        await test_database.truncate_all()


@pytest.fixture
async def sso(sso_factory: SsoFactory, provider: MockProvider) -> SSO:
    return await sso_factory(provider.settings())
