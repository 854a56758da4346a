"""The server side of `tradewind login --sso` with the device authorization grant, and the
loopback flow's one-time code.

The mock has no device grant; `ProviderExtras` (tests/fixtures/oidc.py) adds it, with ID tokens
signed by the mock's own key and served JWKS. The user's approval is a direct call instead of
a verification web page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fixtures.oidc import MockProvider, running_provider, s256
from fixtures.oidc_harness import SSO, SsoFactory

from tradewind.models import Session, User

VERIFIER = "v" * 43 + "-cli-verifier"


@pytest.fixture
def device_provider() -> Iterator[MockProvider]:
    with running_provider(device=True) as running:
        yield running


@pytest.fixture
async def device_sso(sso_factory: SsoFactory, device_provider: MockProvider) -> SSO:
    return await sso_factory(device_provider.settings(cli_client_id="tradewind-cli"))


async def start(sso: SSO) -> dict[str, Any]:
    r = await sso.client.post("/api/v1/auth/oidc/mock/device")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def poll(sso: SSO, device_code: str) -> tuple[int, dict[str, Any]]:
    r = await sso.client.post(
        "/api/v1/auth/oidc/mock/device/token", json={"device_code": device_code}
    )
    return r.status_code, r.json()


async def test_device_sign_in(device_sso: SSO, device_provider: MockProvider) -> None:
    sso = device_sso
    await sso.create_org("acme")
    providers = (await sso.client.get("/api/v1/auth/oidc/providers")).json()
    assert providers[0]["device_flow"] is True
    device_provider.set_user("sub-d", email="dee@example.com", groups=["/acme/write"])

    started = await start(sso)
    assert started["user_code"] and started["interval"] == 1
    assert started["verification_uri"].startswith(device_provider.issuer)
    assert device_provider.extras.grants[started["device_code"]].client_id == "tradewind-cli"
    assert await poll(sso, started["device_code"]) == (202, {"status": "authorization_pending"})
    device_provider.extras.grant_for(started["user_code"]).slow_down_next = True
    assert await poll(sso, started["device_code"]) == (202, {"status": "slow_down"})

    device_provider.approve(started["user_code"], "sub-d")
    status, body = await poll(sso, started["device_code"])
    assert status == 200, body
    assert body["user"]["email"] == "dee@example.com"
    me = await sso.client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    orgs = await sso.client.get(
        "/api/v1/orgs", headers={"Authorization": f"Bearer {body['token']}"}
    )
    assert [o["name"] for o in orgs.json()] == ["acme"]


async def test_device_denied_expired_and_unknown(
    device_sso: SSO, device_provider: MockProvider
) -> None:
    sso = device_sso
    denied = await start(sso)
    device_provider.extras.grant_for(denied["user_code"]).denied = True
    status, body = await poll(sso, denied["device_code"])
    assert (status, body["error"]["code"]) == (403, "oidc_access_denied")
    expired = await start(sso)
    device_provider.extras.grant_for(expired["user_code"]).expired = True
    status, body = await poll(sso, expired["device_code"])
    assert (status, body["error"]["code"]) == (401, "oidc_device_expired")
    status, body = await poll(sso, "not-a-device-code")
    assert (status, body["error"]["code"]) == (400, "oidc_device_flow_refused")
    status, body = await poll(sso, "")
    assert (status, body["error"]["code"]) == (422, "validation_failed")
    assert await sso.count(User) == 0 and await sso.count(Session) == 0


async def test_device_flow_needs_provider_support(sso: SSO) -> None:
    r = await sso.client.post("/api/v1/auth/oidc/mock/device")
    assert (r.status_code, r.json()["error"]["code"]) == (400, "oidc_device_flow_unsupported")


async def cli_sign_in(sso: SSO, sub: str, verifier: str = VERIFIER) -> dict[str, str]:
    """The browser half of the loopback flow; the parameters sent to the CLI's listener."""
    start_ = await sso.start_login(cli_port=54321, cli_challenge=s256(verifier))
    assert start_.status_code == 302, start_.text
    back = await sso.at_provider(start_.headers["location"], sub)
    done = await sso.client.get(back.headers["location"])
    assert done.status_code == 303
    target = urlsplit(done.headers["location"])
    assert (target.scheme, target.netloc, target.path) == ("http", "127.0.0.1:54321", "/callback")
    assert "tw_session=" not in done.headers.get("set-cookie", "")
    return {k: v[0] for k, v in parse_qs(target.query).items()}


async def test_loopback_code_needs_the_verifier(sso: SSO, provider: MockProvider) -> None:
    provider.set_user("sub-c", email="cli@example.com")
    params = await cli_sign_in(sso, "sub-c")
    assert await sso.count(Session) == 0
    url = "/api/v1/auth/oidc/mock/redeem"
    wrong = await sso.client.post(url, json={"code": params["code"], "code_verifier": "w" * 43})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "oidc_handoff_invalid")
    other = await sso.client.post(
        "/api/v1/auth/oidc/other/redeem", json={"code": params["code"], "code_verifier": VERIFIER}
    )
    assert other.status_code == 404
    r = await sso.client.post(url, json={"code": params["code"], "code_verifier": VERIFIER})
    assert r.status_code == 200, r.text
    assert r.json()["token"].startswith("tws_") and r.json()["user"]["email"] == "cli@example.com"
    tampered = params["code"][:-4] + "AAAA"
    r = await sso.client.post(url, json={"code": tampered, "code_verifier": VERIFIER})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "oidc_handoff_invalid")


async def test_loopback_errors_go_to_the_cli(
    sso_factory: SsoFactory, provider: MockProvider
) -> None:
    sso = await sso_factory(provider.settings(auto_create_users=False))
    provider.set_user("sub-n", email="nobody@example.com")
    params = await cli_sign_in(sso, "sub-n")
    assert params["error"] == "oidc_user_not_provisioned"
    assert "code" not in params and await sso.count(User) == 0


@pytest.mark.parametrize(
    "query",
    [
        {"cli_port": "54321"},
        {"cli_challenge": s256(VERIFIER)},
        {"cli_port": "54321", "cli_challenge": "short"},
        {"cli_port": "80", "cli_challenge": s256(VERIFIER)},
    ],
)
async def test_loopback_parameters_are_checked(sso: SSO, query: dict[str, str]) -> None:
    r = await sso.client.get("/api/v1/auth/oidc/mock/login", params=query)
    assert r.status_code in (400, 422)
    assert r.json()["error"]["code"] in ("oidc_invalid_cli_parameters", "validation_failed")
