"""Provider-issued JWT access tokens on the management API.

The mock issues opaque access tokens, so these tests mint JWT access tokens with the mock's own
signing key (see tests/fixtures/oidc.py); the server fetches discovery and JWKS from the running
provider over HTTP as it would from Keycloak.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fixtures.oidc import API_AUDIENCE, MockProvider
from fixtures.oidc_harness import SSO, SsoFactory

from tradewind.models import User, UserIdentity
from tradewind.oidc.provider import KEY_REFRESH_MIN_INTERVAL


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, object], payload: dict[str, object], signature: bytes) -> str:
    parts = [b64(json.dumps(header).encode()), b64(json.dumps(payload).encode())]
    return ".".join([*parts, b64(signature)])


async def me(sso: SSO, token: str) -> tuple[int, dict[str, object]]:
    r = await sso.client.get("/api/v1/me", headers=bearer(token))
    return r.status_code, r.json()


def error_code(body: dict[str, object]) -> object:
    error = body.get("error")
    assert isinstance(error, dict), body
    return error["code"]


async def test_valid_token_signs_in_and_links_the_identity(
    sso: SSO, provider: MockProvider
) -> None:
    token = provider.mint(sub="sub-alice", email="Alice@Example.com", email_verified=True)
    status, body = await me(sso, token)
    assert status == 200, body
    assert body["email"] == "alice@example.com"
    assert await sso.count(UserIdentity) == 1
    # The link is used from now on, even by a token without an email claim.
    status, body = await me(sso, provider.mint(sub="sub-alice"))
    assert (status, body["email"]) == (200, "alice@example.com")
    assert await sso.count(User) == 1


async def test_cached_keys_mean_no_network_round_trip(sso: SSO, provider: MockProvider) -> None:
    token = provider.mint(email="alice@example.com")
    assert (await me(sso, token))[0] == 200
    before = dict(provider.extras.hits)
    for _ in range(5):
        assert (await me(sso, provider.mint(email="alice@example.com")))[0] == 200
    assert dict(provider.extras.hits) == before
    assert before["/jwks"] == 1


async def test_expired_and_not_yet_valid_tokens(sso: SSO, provider: MockProvider) -> None:
    now = int(time.time())
    leeway = sso.app.ctx.settings.oidc_clock_leeway_seconds
    expired = provider.mint(email="a@example.com", exp=now - leeway - 60)
    status, body = await me(sso, expired)
    assert (status, error_code(body)) == (401, "oidc_token_expired")
    # Within the leeway a just-expired token still passes (clock skew between machines).
    assert (await me(sso, provider.mint(email="a@example.com", exp=now - leeway // 2)))[0] == 200
    future = provider.mint(email="a@example.com", nbf=now + leeway + 300)
    status, body = await me(sso, future)
    assert (status, error_code(body)) == (401, "oidc_token_not_yet_valid")
    issued_later = provider.mint(email="a@example.com", iat=now + leeway + 300)
    status, body = await me(sso, issued_later)
    assert (status, error_code(body)) == (401, "oidc_token_not_yet_valid")


async def test_wrong_audience_and_wrong_issuer(sso: SSO, provider: MockProvider) -> None:
    status, body = await me(sso, provider.mint(audience="someone-else", email="a@example.com"))
    assert (status, error_code(body)) == (401, "oidc_wrong_audience")
    foreign = provider.mint(iss="https://evil.example.com", email="a@example.com")
    status, body = await me(sso, foreign)
    assert (status, error_code(body)) == (401, "oidc_wrong_issuer")
    assert await sso.count(User) == 0


async def test_missing_required_claim(sso: SSO, provider: MockProvider) -> None:
    status, body = await me(sso, provider.mint(email="a@example.com", drop=["exp"]))
    assert (status, error_code(body)) == (401, "oidc_missing_claim")


async def test_tampered_payload_and_foreign_key(sso: SSO, provider: MockProvider) -> None:
    header, payload, signature = provider.mint(sub="mallory", email="m@example.com").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["email"] = "admin@example.com"
    tampered = ".".join([header, b64(json.dumps(claims).encode()), signature])
    status, body = await me(sso, tampered)
    assert (status, error_code(body)) == (401, "oidc_bad_signature")
    # Signed by another key that claims the provider's key id.
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    status, body = await me(sso, provider.mint(email="m@example.com", key=other))
    assert (status, error_code(body)) == (401, "oidc_bad_signature")
    assert await sso.count(User) == 0


async def test_alg_none_is_refused(sso: SSO, provider: MockProvider) -> None:
    payload = jwt.decode(provider.mint(email="a@example.com"), options={"verify_signature": False})
    unsigned = forge({"alg": "none", "typ": "JWT", "kid": provider.kid}, payload, b"")
    status, body = await me(sso, unsigned)
    assert (status, error_code(body)) == (401, "oidc_algorithm_not_allowed")
    assert await sso.count(User) == 0


async def test_hs256_signed_with_the_public_key_is_refused(
    sso: SSO, provider: MockProvider
) -> None:
    """The classic key-confusion attack: HMAC over the token with the published public key."""
    payload = jwt.decode(provider.mint(email="a@example.com"), options={"verify_signature": False})
    header = {"alg": "HS256", "typ": "JWT", "kid": provider.kid}
    signing_input = ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(payload).encode())]
    ).encode()
    signature = hmac.new(provider.public_pem, signing_input, hashlib.sha256).digest()
    status, body = await me(sso, forge(header, payload, signature))
    assert (status, error_code(body)) == (401, "oidc_algorithm_not_allowed")
    assert await sso.count(User) == 0


async def test_garbage_that_looks_like_a_jwt(sso: SSO) -> None:
    status, body = await me(sso, "abc.def.ghi")
    assert (status, error_code(body)) == (401, "invalid_token")


async def test_unknown_kid_refreshes_once_then_key_rotation(
    sso: SSO, provider: MockProvider
) -> None:
    assert (await me(sso, provider.mint(email="a@example.com")))[0] == 200
    old_kid = provider.kid
    assert provider.extras.hits["/jwks"] == 1

    provider.rotate_key()
    # A token signed with the new key names a kid we do not know: one JWKS refresh, accepted.
    assert (await me(sso, provider.mint(email="a@example.com")))[0] == 200
    assert provider.extras.hits["/jwks"] == 2

    # Made-up key ids right after: refused without asking the provider again (rate limit).
    for n in range(3):
        forged = provider.mint(email="a@example.com", headers={"kid": f"made-up-{n}"})
        status, body = await me(sso, forged)
        assert (status, error_code(body)) == (401, "oidc_unknown_key")
    assert provider.extras.hits["/jwks"] == 2
    # The retired key is gone from the provider's JWKS, so its id is unknown now too.
    assert old_kid != provider.kid

    sso.clock.advance(KEY_REFRESH_MIN_INTERVAL + 1)
    status, body = await me(sso, provider.mint(email="a@example.com", headers={"kid": "x"}))
    assert (status, error_code(body)) == (401, "oidc_unknown_key")
    assert provider.extras.hits["/jwks"] == 3


async def test_provisioning_off_refuses_unknown_users_but_links_existing(
    sso_factory: SsoFactory, provider: MockProvider
) -> None:
    sso: SSO = await sso_factory(provider.settings(auto_create_users=False))
    status, body = await me(sso, provider.mint(sub="s-new", email="new@example.com"))
    assert (status, error_code(body)) == (403, "oidc_user_not_provisioned")
    assert await sso.count(User) == 0

    await sso.create_user("known@example.com")
    token = provider.mint(sub="s-known", email="known@example.com", email_verified=True)
    assert (await me(sso, token))[0] == 200
    assert await sso.count(UserIdentity) == 1


async def test_unverified_email_does_not_link(sso: SSO, provider: MockProvider) -> None:
    await sso.create_user("victim@example.com")
    token = provider.mint(sub="s-x", email="victim@example.com", email_verified=False)
    status, body = await me(sso, token)
    assert (status, error_code(body)) == (403, "oidc_email_not_verified")
    assert await sso.count(UserIdentity) == 0


async def test_no_email_and_no_link(sso: SSO, provider: MockProvider) -> None:
    status, body = await me(sso, provider.mint(sub="s-anon"))
    assert (status, error_code(body)) == (403, "oidc_email_missing")


async def test_domain_restriction(sso_factory: SsoFactory, provider: MockProvider) -> None:
    sso: SSO = await sso_factory(provider.settings(allowed_email_domains=["Example.com"]))
    status, body = await me(sso, provider.mint(sub="s-o", email="eve@other.org"))
    assert (status, error_code(body)) == (403, "oidc_email_domain_not_allowed")
    assert await sso.count(User) == 0
    assert (await me(sso, provider.mint(sub="s-a", email="ann@example.com")))[0] == 200


async def test_disabled_user_is_refused(sso: SSO, provider: MockProvider) -> None:
    await sso.create_user("off@example.com", disabled=True)
    status, body = await me(sso, provider.mint(sub="s-off", email="off@example.com"))
    assert (status, error_code(body)) == (401, "account_disabled")


async def test_configured_audience_defaults_to_client_id(
    sso_factory: SsoFactory, provider: MockProvider
) -> None:
    sso: SSO = await sso_factory(provider.settings(audience=None))
    status, body = await me(sso, provider.mint(email="a@example.com"))
    assert (status, error_code(body)) == (401, "oidc_wrong_audience")
    token = provider.mint(email="a@example.com", audience=["tradewind", API_AUDIENCE])
    assert (await me(sso, token))[0] == 200


async def test_api_tokens_and_sessions_keep_working(sso: SSO) -> None:
    await sso.create_user("builtin@example.com")
    r = await sso.client.post(
        "/api/v1/auth/login",
        json={"email": "builtin@example.com", "password": "correct-horse-battery"},
    )
    assert r.status_code == 200
    assert (await me(sso, r.json()["token"]))[0] == 200
