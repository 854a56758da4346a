"""Verifying JWTs issued by a provider (API access tokens and ID tokens) with PyJWT.

The algorithm is checked against what the signing key allows before PyJWT sees the token, so
`alg: none` and HS* tokens (an HMAC "signed" with the public key) are refused up front.
"""

from __future__ import annotations

import hmac
from typing import Any

import jwt
from jwt import exceptions as jwt_errors

from tradewind.errors import ServiceUnavailable, Unauthorized
from tradewind.oidc.discovery import ASYMMETRIC_ALGORITHMS, ProviderUnavailable
from tradewind.oidc.provider import Provider

REQUIRED_CLAIMS = ["exp", "iat", "iss", "sub", "aud"]

_DECODE_ERRORS: list[tuple[type[Exception], str, str]] = [
    (jwt_errors.ExpiredSignatureError, "oidc_token_expired", "the token has expired"),
    (jwt_errors.ImmatureSignatureError, "oidc_token_not_yet_valid", "the token is not valid yet"),
    (jwt_errors.InvalidAudienceError, "oidc_wrong_audience", "the token is not meant for us"),
    (jwt_errors.InvalidIssuerError, "oidc_wrong_issuer", "the token comes from another issuer"),
    (jwt_errors.InvalidSignatureError, "oidc_bad_signature", "the token signature is invalid"),
    (jwt_errors.MissingRequiredClaimError, "oidc_missing_claim", "the token lacks a claim"),
    (jwt_errors.InvalidAlgorithmError, "oidc_algorithm_not_allowed", "algorithm not allowed"),
]


def _refused(code: str, message: str) -> Unauthorized:
    return Unauthorized(message, code=code)


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload without checking anything: only to pick the provider by `iss`."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt_errors.PyJWTError as exc:
        raise _refused("invalid_token", "the bearer token is not a valid JWT") from exc
    return claims


def _header(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt_errors.PyJWTError as exc:
        raise _refused("invalid_token", "the bearer token is not a valid JWT") from exc


async def verify(
    provider: Provider,
    token: str,
    *,
    audience: str,
    leeway: int,
    nonce: str | None = None,
    id_token: bool = False,
) -> dict[str, Any]:
    """The verified claims of `token`, or Unauthorized with a precise code."""
    header = _header(token)
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ASYMMETRIC_ALGORITHMS:
        raise _refused("oidc_algorithm_not_allowed", f"tokens signed with {alg!r} are refused")
    kid = header.get("kid")
    try:
        metadata = await provider.ready_metadata()
        key = await provider.signing_key(kid if isinstance(kid, str) else None)
    except ProviderUnavailable as exc:
        raise ServiceUnavailable(
            f"sign-in provider '{provider.name}' is unavailable", code="oidc_provider_unavailable"
        ) from exc
    if key is None:
        raise _refused("oidc_unknown_key", f"the provider has no signing key {kid!r}")
    if alg not in key.algorithms:
        raise _refused("oidc_algorithm_not_allowed", f"key {kid!r} is not used with {alg}")
    claims = _decode(token, key.jwk.key, alg, audience, metadata.issuer, leeway)
    if id_token:
        _check_id_token(claims, audience, nonce)
    return claims


def _decode(
    token: str, key: Any, alg: str, audience: str, issuer: str, leeway: int
) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=audience,
            issuer=issuer,
            leeway=leeway,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt_errors.PyJWTError as exc:
        for error_type, code, message in _DECODE_ERRORS:
            if isinstance(exc, error_type):
                raise _refused(code, message) from exc
        raise _refused("invalid_token", f"the token is invalid ({exc})") from exc


def _check_id_token(claims: dict[str, Any], client_id: str, nonce: str | None) -> None:
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise _refused("oidc_wrong_audience", "the ID token was issued to another client")
    if nonce is not None:
        received = claims.get("nonce")
        if not isinstance(received, str) or not hmac.compare_digest(received, nonce):
            raise _refused("oidc_nonce_mismatch", "the ID token does not answer this sign-in")
