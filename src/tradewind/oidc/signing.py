"""Short-lived values signed with the server secret (HS256 JWTs via PyJWT).

Used for the sign-in flow cookie (state, nonce, PKCE verifier), the CLI hand-off code and the
logout hint. They keep the server stateless: any instance behind the load balancer can check
them. Each use has its own purpose, bound both into the key and as the `aud` claim, so a value
minted for one purpose is never accepted for another. They are signed, not encrypted: they
never carry a Tradewind session token.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import jwt
from jwt import exceptions as jwt_errors

from tradewind.errors import BadRequest

FLOW = "tradewind:oidc-flow"
HANDOFF = "tradewind:oidc-cli-handoff"
LOGOUT = "tradewind:oidc-logout"


def _key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


def seal(secret: str, purpose: str, claims: dict[str, Any], ttl_seconds: int) -> str:
    payload = {**claims, "aud": purpose, "exp": int(time.time()) + ttl_seconds}
    return jwt.encode(payload, _key(secret, purpose), algorithm="HS256")


def unseal(secret: str, purpose: str, value: str, *, code: str, what: str) -> dict[str, Any]:
    """The claims of a sealed value; BadRequest(`code`) when forged, mangled or expired."""
    try:
        claims: dict[str, Any] = jwt.decode(
            value,
            _key(secret, purpose),
            algorithms=["HS256"],
            audience=purpose,
            options={"require": ["exp", "aud"]},
        )
    except jwt_errors.ExpiredSignatureError as exc:
        raise BadRequest(f"the {what} has expired; start again", code=code) from exc
    except jwt_errors.PyJWTError as exc:
        raise BadRequest(f"the {what} is invalid; start again", code=code) from exc
    return claims
