"""`tradewind.cli.sso.sso_login` end to end: the server listens on a real loopback port
(uvicorn, in this process), the provider on another, the CLI's listener on a third, and a
"browser" thread follows the redirects between them over HTTP."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from fixtures.oidc import MockProvider, running_provider
from fixtures.oidc_harness import SSO, SsoFactory

from tradewind.cli.errors import ServerRefused, UsageProblem
from tradewind.cli.sso import sso_login
from tradewind.settings import OIDCProviderSettings


@dataclass
class Served:
    url: str
    sso: SSO


async def serve(sso_factory: SsoFactory, *providers: OIDCProviderSettings) -> AsyncIterator[Served]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sso = await sso_factory(*providers, public_base_url=url)
    config = uvicorn.Config(sso.app, lifespan="off", log_level="warning", interface="asgi3")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes only this flag
        await asyncio.sleep(0.01)
    try:
        yield Served(url, sso)
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
async def served(sso_factory: SsoFactory, provider: MockProvider) -> AsyncIterator[Served]:
    async for running in serve(sso_factory, provider.settings()):
        yield running


@pytest.fixture
def device_provider() -> Iterator[MockProvider]:
    with running_provider(device=True) as running:
        yield running


def browser_choosing(sub: str, failures: list[BaseException]) -> Callable[[str], None]:
    """A browser that signs in as `sub` at the provider, on its own thread like a real one."""

    def follow(url: str) -> None:
        try:
            with httpx.Client(timeout=10) as browser:
                start = browser.get(url)
                back = browser.post(start.headers["location"], data={"sub": sub})
                done = browser.get(back.headers["location"])
                assert done.status_code == 303, done.text
                assert browser.get(done.headers["location"]).status_code == 200
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    return lambda url: threading.Thread(target=follow, args=(url,), daemon=True).start()


async def whoami(served: Served, token: str) -> str:
    r = await served.sso.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return str(r.json()["email"])


async def test_loopback_browser_flow(served: Served, provider: MockProvider) -> None:
    provider.set_user("sub-cli", email="cli@example.com")
    failures: list[BaseException] = []
    token = await asyncio.to_thread(
        sso_login, served.url, None, open_browser=browser_choosing("sub-cli", failures), timeout=30
    )
    assert not failures
    assert token.startswith("tws_")
    assert await whoami(served, token) == "cli@example.com"


async def test_loopback_flow_reports_the_servers_refusal(
    sso_factory: SsoFactory, provider: MockProvider
) -> None:
    provider.set_user("sub-no", email="no@example.com")
    async for served in serve(sso_factory, provider.settings(auto_create_users=False)):
        failures: list[BaseException] = []
        with pytest.raises(ServerRefused) as refused:
            await asyncio.to_thread(
                sso_login,
                served.url,
                "mock",
                open_browser=browser_choosing("sub-no", failures),
                timeout=30,
            )
        assert refused.value.code == "oidc_user_not_provisioned"
        assert not failures


async def test_device_flow(sso_factory: SsoFactory, device_provider: MockProvider) -> None:
    device_provider.set_user("sub-dev", email="dev@example.com")

    def approve(url: str) -> None:  # the user enters the code shown in the terminal
        device_provider.approve(parse_qs(urlsplit(url).query)["code"][0], "sub-dev")

    async for served in serve(sso_factory, device_provider.settings()):
        token = await asyncio.to_thread(
            sso_login, served.url, None, open_browser=approve, sleep=lambda _: None, timeout=30
        )
        assert await whoami(served, token) == "dev@example.com"


async def test_choosing_a_provider(sso_factory: SsoFactory, provider: MockProvider) -> None:
    async for served in serve(
        sso_factory, provider.settings(), provider.settings(name="second", client_id="two")
    ):
        with pytest.raises(UsageProblem) as several:
            await asyncio.to_thread(sso_login, served.url, None)
        assert several.value.code == "sso_provider_required"
        with pytest.raises(UsageProblem) as unknown:
            await asyncio.to_thread(sso_login, served.url, "third")
        assert unknown.value.code == "sso_provider_unknown"


async def test_server_without_sso(sso_factory: SsoFactory) -> None:
    async for served in serve(sso_factory):
        with pytest.raises(UsageProblem) as none:
            await asyncio.to_thread(sso_login, served.url, None)
        assert none.value.code == "sso_unavailable"
