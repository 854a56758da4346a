"""A misconfigured or unreachable provider never stops the server: it is logged, the `oidc`
readiness check reports it, built-in accounts keep working, and it recovers by itself."""

from __future__ import annotations

import logging
import socket

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fixtures.oidc import MockProvider, StaticIssuer, running_provider
from fixtures.oidc_harness import PASSWORD, SsoFactory

from tradewind.oidc.provider import RETRY_INTERVAL
from tradewind.settings import OIDCProviderSettings


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def some_jwt(issuer: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"iss": issuer, "sub": "x", "aud": "tradewind-api", "iat": 1, "exp": 2**31}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


async def test_unreachable_issuer_is_not_ready_then_recovers(
    sso_factory: SsoFactory, caplog: pytest.LogCaptureFixture
) -> None:
    port = closed_port()
    issuer = f"http://127.0.0.1:{port}"
    settings = OIDCProviderSettings(
        name="kc",
        issuer=issuer,
        client_id="tradewind",
        client_secret="s",
        audience="tradewind-api",
        auto_create_users=True,
    )
    with caplog.at_level(logging.ERROR, logger="tradewind.oidc"):
        sso = await sso_factory(settings)  # starting the server does not fail
        ready = await sso.client.get("/health/ready")
    assert ready.status_code == 503
    assert "unreachable" in ready.json()["checks"]["oidc"]
    assert any("OIDC provider 'kc'" in r.getMessage() for r in caplog.records)

    r = await sso.client.get("/api/v1/me", headers={"Authorization": f"Bearer {some_jwt(issuer)}"})
    assert (r.status_code, r.json()["error"]["code"]) == (503, "oidc_provider_unavailable")
    r = await sso.client.get("/api/v1/auth/oidc/kc/login")
    assert (r.status_code, r.json()["error"]["code"]) == (503, "oidc_provider_unavailable")
    providers = (await sso.client.get("/api/v1/auth/oidc/providers")).json()
    assert providers == [
        {
            "name": "kc",
            "display_name": "kc",
            "login_url": "/api/v1/auth/oidc/kc/login",
            "device_flow": False,
            "ready": False,
        }
    ]
    # Built-in accounts do not depend on the provider.
    await sso.create_user("local@example.com")
    r = await sso.client.post(
        "/api/v1/auth/login", json={"email": "local@example.com", "password": PASSWORD}
    )
    assert r.status_code == 200

    with running_provider(port=port) as provider:
        # Not retried before the retry interval, then retried and healthy.
        assert (await sso.client.get("/health/ready")).status_code == 503
        sso.clock.advance(RETRY_INTERVAL + 1)
        ready = await sso.client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["oidc"] == "ok"
        token = provider.mint(email="kc-user@example.com")
        r = await sso.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text


async def test_missing_secret_is_not_ready_but_api_tokens_work(
    sso_factory: SsoFactory, provider: MockProvider
) -> None:
    sso = await sso_factory(provider.settings(client_secret=None))
    ready = await sso.client.get("/health/ready")
    assert ready.status_code == 503
    assert "client_secret is missing" in ready.json()["checks"]["oidc"]
    r = await sso.client.get("/api/v1/auth/oidc/mock/login")
    assert (r.status_code, r.json()["error"]["code"]) == (503, "oidc_provider_misconfigured")
    token = provider.mint(email="a@example.com")
    r = await sso.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


async def test_issuer_not_a_url_and_duplicate_names(
    sso_factory: SsoFactory, provider: MockProvider
) -> None:
    sso = await sso_factory(
        provider.settings(name="broken", issuer="keycloak.internal/realms/x"),
        provider.settings(),
        provider.settings(client_id="again"),
    )
    checks = (await sso.client.get("/health/ready")).json()["checks"]["oidc"]
    assert "broken: issuer is not an http(s) URL" in checks
    assert "mock: configured twice" in checks


@pytest.mark.parametrize(
    ("discovery", "jwks", "reason"),
    [
        ({"issuer": "https://someone-else.example.com"}, None, "names issuer"),
        ({"id_token_signing_alg_values_supported": ["HS256", "none"]}, None, "asymmetric"),
        ({}, {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]}, "no usable signing key"),
        ({}, {"keys": [{"kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"}]}, "no usable"),
        ({"jwks_uri": "not a url"}, None, "jwks_uri"),
    ],
)
async def test_provider_publishing_nonsense_is_not_ready(
    sso_factory: SsoFactory,
    discovery: dict[str, object],
    jwks: dict[str, object] | None,
    reason: str,
) -> None:
    with StaticIssuer() as issuer:
        issuer.documents["/.well-known/openid-configuration"] = issuer.discovery(**discovery)
        issuer.documents["/jwks"] = jwks or {"keys": []}
        settings = OIDCProviderSettings(
            name="odd", issuer=issuer.url, client_id="c", client_secret="s"
        )
        sso = await sso_factory(settings)
        ready = await sso.client.get("/health/ready")
        assert ready.status_code == 503
        assert reason in ready.json()["checks"]["oidc"]
        r = await sso.client.get("/api/v1/auth/oidc/odd/login")
        assert r.status_code == 503


async def test_no_providers_means_no_oidc_check(sso_factory: SsoFactory) -> None:
    sso = await sso_factory()
    ready = await sso.client.get("/health/ready")
    assert "oidc" not in ready.json()["checks"]
    assert (await sso.client.get("/api/v1/auth/oidc/providers")).json() == []
    r = await sso.client.get("/api/v1/me", headers={"Authorization": "Bearer a.b.c"})
    assert (r.status_code, r.json()["error"]["code"]) == (401, "invalid_token")
