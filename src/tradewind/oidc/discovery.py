"""Reading a provider's discovery document and signing keys (JWKS) into checked values.

Only asymmetric algorithms are ever accepted: `none` and HS* (which would let anyone holding
the public key forge tokens) are filtered out here, before any token is looked at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWTError

DISCOVERY_PATH = "/.well-known/openid-configuration"
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_DOCUMENT_BYTES = 512 * 1024

_ALGORITHMS_BY_KEY_TYPE: Mapping[str, frozenset[str]] = {
    "RSA": frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}),
    "EC": frozenset({"ES256", "ES384", "ES512"}),
    "OKP": frozenset({"EdDSA"}),
}
_EC_ALGORITHM_BY_CURVE: Mapping[str, frozenset[str]] = {
    "P-256": frozenset({"ES256"}),
    "P-384": frozenset({"ES384"}),
    "P-521": frozenset({"ES512"}),
}
ASYMMETRIC_ALGORITHMS = frozenset().union(*_ALGORITHMS_BY_KEY_TYPE.values())


class ProviderUnavailable(Exception):
    """The issuer cannot be reached, or what it publishes is unusable; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None
    device_authorization_endpoint: str | None
    signing_algorithms: frozenset[str]
    token_auth_methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str | None
    jwk: PyJWK
    algorithms: frozenset[str]


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + DISCOVERY_PATH


def is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def same_issuer(configured: str, published: str) -> bool:
    """Issuers must match exactly; a trailing slash is the one difference forgiven (Auth0)."""
    return configured.rstrip("/") == published.rstrip("/")


async def fetch_json(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    try:
        response = await http.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"{url} unreachable ({type(exc).__name__}: {exc})") from exc
    if response.status_code != 200:
        raise ProviderUnavailable(f"{url} answered HTTP {response.status_code}")
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise ProviderUnavailable(f"{url} answered a document over {MAX_DOCUMENT_BYTES} bytes")
    try:
        document = response.json()
    except ValueError as exc:
        raise ProviderUnavailable(f"{url} did not answer JSON") from exc
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url} did not answer a JSON object")
    return document


def _url(document: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = document.get(name)
    if value is None and not required:
        return None
    if not is_http_url(value):
        raise ProviderUnavailable(f"discovery document has no valid '{name}'")
    assert isinstance(value, str)
    return value


def parse_metadata(document: Mapping[str, Any], configured_issuer: str) -> ProviderMetadata:
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or not same_issuer(configured_issuer, issuer):
        raise ProviderUnavailable(
            f"discovery document names issuer {issuer!r}, not the configured {configured_issuer!r}"
        )
    published = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = frozenset(a for a in published if a in ASYMMETRIC_ALGORITHMS)
    if not algorithms:
        raise ProviderUnavailable(
            f"the provider signs with {published!r}; Tradewind accepts only asymmetric "
            f"algorithms ({', '.join(sorted(ASYMMETRIC_ALGORITHMS))})"
        )
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=_url(document, "authorization_endpoint", required=True) or "",
        token_endpoint=_url(document, "token_endpoint", required=True) or "",
        jwks_uri=_url(document, "jwks_uri", required=True) or "",
        userinfo_endpoint=_url(document, "userinfo_endpoint", required=False),
        end_session_endpoint=_url(document, "end_session_endpoint", required=False),
        device_authorization_endpoint=_url(
            document, "device_authorization_endpoint", required=False
        ),
        signing_algorithms=algorithms,
        token_auth_methods=tuple(str(m) for m in methods),
    )


def _signing_key(entry: Mapping[str, Any], published: frozenset[str]) -> SigningKey | None:
    """A usable verification key, or None for encryption, symmetric or unknown keys."""
    kty = entry.get("kty")
    if entry.get("use", "sig") != "sig" or not isinstance(kty, str):
        return None
    compatible = _ALGORITHMS_BY_KEY_TYPE.get(kty)
    if kty == "EC":
        compatible = _EC_ALGORITHM_BY_CURVE.get(str(entry.get("crv")))
    if compatible is None:
        return None  # "oct" (shared secrets) and unknown types are never trusted
    declared = entry.get("alg")
    # A key that names its algorithm is used with that one only; otherwise with the
    # provider's published algorithms that fit the key type.
    algorithms = frozenset({declared}) & compatible if declared else published & compatible
    if not algorithms:
        return None
    try:
        jwk = PyJWK(dict(entry), algorithm=min(algorithms))
    except PyJWTError:
        return None
    kid = entry.get("kid")
    return SigningKey(kid if isinstance(kid, str) else None, jwk, algorithms)


def parse_jwks(document: Mapping[str, Any], published: frozenset[str]) -> list[SigningKey]:
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise ProviderUnavailable("the JWKS document has no 'keys' list")
    keys = [k for e in entries if isinstance(e, dict) and (k := _signing_key(e, published))]
    if not keys:
        raise ProviderUnavailable("the JWKS document holds no usable signing key")
    return keys
