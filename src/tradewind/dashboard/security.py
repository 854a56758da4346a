"""Browser-facing protections: session cookies, CSRF tokens, security headers.

CSRF: every state-changing request must carry a token derived from the caller's cookie,
`HMAC(server secret, cookie value)`, in a hidden form field or the `X-CSRF-Token` header (HTMX).
A signed-in browser binds it to its `tw_session` cookie; an anonymous one (the sign-in form) to a
random `tw_csrf` cookie. A foreign site can make the browser send the cookie but cannot read the
page to learn the token. `Origin`, when sent, must also be this server.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradewind.errors import Forbidden
from tradewind.settings import Settings

SESSION_COOKIE = "tw_session"
ANON_COOKIE = "tw_csrf"
FLASH_COOKIE = "tw_flash"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
STATIC_CACHE = "public, max-age=31536000, immutable"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


def csrf_token(secret: str, binding: str) -> str:
    digest = hmac.new(secret.encode(), b"tw-csrf\x00" + binding.encode(), hashlib.sha256)
    return digest.hexdigest()


def _flash_signature(settings: Settings, message: str) -> str:
    key = settings.resolved_secret_key().encode()
    return hmac.new(key, b"tw-flash\x00" + message.encode(), hashlib.sha256).hexdigest()[:32]


def flash_value(settings: Settings, message: str) -> str:
    """A one-shot message for the next page, signed so no one else can plant text in it."""
    return f"{_flash_signature(settings, message)}|{message.encode().hex()}"


def read_flash(settings: Settings, raw: str | None) -> str | None:
    signature, _, encoded = (raw or "").partition("|")
    try:
        message = bytes.fromhex(encoded).decode()
    except ValueError:
        return None
    if not message or not hmac.compare_digest(signature, _flash_signature(settings, message)):
        return None
    return message


def new_anonymous_binding() -> str:
    return secrets.token_urlsafe(32)


def _csrf_failed(message: str) -> Forbidden:
    return Forbidden(message, code="csrf_failed")


async def submitted_csrf(request: Request, read_body: bool = True) -> str:
    """The token from the header (HTMX), else the form body; with `read_body` False (large
    uploads, whose body must be read only after the check) from the query string instead."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if not read_body:
        return request.query_params.get(CSRF_FIELD, "")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def check_origin(request: Request, settings: Settings) -> None:
    origin = request.headers.get("origin")
    if origin is None:
        return  # non-browser clients and old browsers: the token alone decides
    allowed = {request.headers.get("host", "")}
    if settings.public_base_url:
        allowed.add(urlsplit(settings.public_base_url).netloc)
    if urlsplit(origin).netloc not in allowed:
        raise _csrf_failed("this request came from another site")


async def verify_csrf(
    request: Request, settings: Settings, binding: str | None, *, read_body: bool = True
) -> None:
    """Raise Forbidden(csrf_failed) unless an unsafe request carries the right token."""
    if request.method in SAFE_METHODS:
        return
    check_origin(request, settings)
    if not binding:
        raise _csrf_failed("your form has expired; reload the page and try again")
    expected = csrf_token(settings.resolved_secret_key(), binding)
    if not hmac.compare_digest(expected, await submitted_csrf(request, read_body)):
        raise _csrf_failed("the form's security token is missing or wrong; reload and retry")


def cookie_is_secure(settings: Settings) -> bool:
    return settings.public_base_url.startswith("https://")


def set_cookie(response: Response, settings: Settings, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookie_is_secure(settings),
    )


def clear_cookie(response: Response, settings: Settings, name: str) -> None:
    response.delete_cookie(
        name, path="/", httponly=True, samesite="lax", secure=cookie_is_secure(settings)
    )


class SecurityHeaders:
    """Adds the security headers to every dashboard response; pages are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        static = "/static/" in scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if static:
                    headers["cache-control"] = STATIC_CACHE  # URLs carry a content hash
                else:
                    headers["cache-control"] = "no-store"
                    headers["vary"] = "Cookie, HX-Request"
            await send(message)

        await self.app(scope, receive, send_with_headers)
