"""The browser sign-in flow's state: PKCE, `state`, `nonce`, where to go next, and the CLI
hand-off. Everything lives in signed values (see `signing`), so no server-side storage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from tradewind.errors import BadRequest
from tradewind.oidc import signing
from tradewind.oidc.discovery import ProviderMetadata
from tradewind.settings import OIDCProviderSettings

FLOW_COOKIE = "tw_oidc_flow"
LOGOUT_COOKIE = "tw_oidc_logout"
COOKIE_PATH = "/api/v1/auth/oidc/"
FLOW_TTL_SECONDS = 600  # time allowed between leaving for the provider and coming back
HANDOFF_TTL_SECONDS = 120
DEFAULT_NEXT = "/dashboard/"
MAX_NEXT_LENGTH = 2000
# RFC 7636: a code verifier / S256 challenge is 43-128 characters of this alphabet.
PKCE_VALUE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


@dataclass(frozen=True, slots=True)
class LoginFlow:
    provider: str
    state: str
    nonce: str
    verifier: str
    next: str
    cli_port: int | None = None
    cli_challenge: str | None = None


def pkce_s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def safe_next(value: str | None) -> str:
    """Only a path on this site: never `//host`, `/\\host`, a scheme, or control characters."""
    if not value:
        return DEFAULT_NEXT
    parts = urlsplit(value)
    if (
        len(value) > MAX_NEXT_LENGTH
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or parts.scheme
        or parts.netloc
        or any(c == "\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    ):
        raise BadRequest("next must be a path on this site", code="oidc_invalid_next")
    return value


def new_flow(
    provider: str, next_path: str | None, cli_port: int | None, cli_challenge: str | None
) -> LoginFlow:
    if (cli_port is None) != (cli_challenge is None):
        raise BadRequest(
            "cli_port and cli_challenge go together", code="oidc_invalid_cli_parameters"
        )
    if cli_challenge is not None and not PKCE_VALUE.match(cli_challenge):
        raise BadRequest(
            "cli_challenge must be an S256 PKCE challenge", code="oidc_invalid_cli_parameters"
        )
    return LoginFlow(
        provider=provider,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(48),
        next=safe_next(next_path),
        cli_port=cli_port,
        cli_challenge=cli_challenge,
    )


def authorization_url(
    metadata: ProviderMetadata, config: OIDCProviderSettings, flow: LoginFlow, redirect_uri: str
) -> str:
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(config.scopes),
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": pkce_s256(flow.verifier),
        "code_challenge_method": "S256",
    }
    separator = "&" if urlsplit(metadata.authorization_endpoint).query else "?"
    return metadata.authorization_endpoint + separator + urlencode(params)


def seal_flow(secret: str, flow: LoginFlow) -> str:
    claims: dict[str, Any] = {
        "prv": flow.provider,
        "st": flow.state,
        "non": flow.nonce,
        "ver": flow.verifier,
        "nxt": flow.next,
    }
    if flow.cli_port is not None:
        claims |= {"clp": flow.cli_port, "clc": flow.cli_challenge}
    return signing.seal(secret, signing.FLOW, claims, FLOW_TTL_SECONDS)


def open_flow(secret: str, cookie: str | None, provider: str, state: str | None) -> LoginFlow:
    """The flow this callback answers; refuses a missing, forged, expired or foreign one."""
    if not cookie:
        raise BadRequest(
            "no sign-in in progress in this browser (or it took too long); start again",
            code="oidc_flow_missing",
        )
    claims = signing.unseal(
        secret, signing.FLOW, cookie, code="oidc_flow_invalid", what="sign-in attempt"
    )
    if claims.get("prv") != provider:
        raise BadRequest("this sign-in was started with another provider", code="oidc_flow_invalid")
    if not state or not hmac.compare_digest(str(claims.get("st", "")), state):
        raise BadRequest(
            "the state parameter does not match this sign-in", code="oidc_state_mismatch"
        )
    port = claims.get("clp")
    return LoginFlow(
        provider=provider,
        state=state,
        nonce=str(claims["non"]),
        verifier=str(claims["ver"]),
        next=str(claims["nxt"]),
        cli_port=int(port) if port is not None else None,
        cli_challenge=str(claims["clc"]) if port is not None else None,
    )


def cli_redirect(port: int, params: dict[str, str]) -> str:
    return f"http://127.0.0.1:{port}/callback?" + urlencode(params)


def seal_handoff(secret: str, provider: str, user_id: int, challenge: str) -> str:
    claims = {"prv": provider, "uid": user_id, "clc": challenge}
    return signing.seal(secret, signing.HANDOFF, claims, HANDOFF_TTL_SECONDS)


def open_handoff(secret: str, provider: str, code: str, verifier: str) -> int:
    """The user a CLI hand-off code was issued to, once the CLI proves it holds the verifier."""
    claims = signing.unseal(
        secret, signing.HANDOFF, code, code="oidc_handoff_invalid", what="sign-in code"
    )
    challenge = str(claims.get("clc", ""))
    if claims.get("prv") != provider or not hmac.compare_digest(pkce_s256(verifier), challenge):
        raise BadRequest("the sign-in code does not match", code="oidc_handoff_invalid")
    return int(claims["uid"])
