"""`tradewind login --sso`: sign in through one of the server's single sign-on providers.

Two ways, chosen by what the provider supports (the server tells us):

- Device authorization grant (RFC 8628): the server asks the provider for a user code, we show
  it (and open the browser at the verification page), then poll the server until the user has
  approved; the server answers with a Tradewind session.
- Loopback browser flow (RFC 8252 style), for providers without device sign-in: we listen on
  127.0.0.1 at a random port and open the browser at the server's sign-in URL with that port and
  a PKCE challenge. After the provider, the server sends the browser back to our listener with
  a one-time code, which only this process can redeem: it needs the PKCE verifier.

Either way the result is an ordinary Tradewind session token (`tws_...`); the provider's own
tokens never reach the CLI.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import secrets
import sys
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tradewind.cli.client import API, ApiClient, seg
from tradewind.cli.errors import ServerRefused, UsageProblem

LOGIN_TIMEOUT_SECONDS = 300.0
SLOW_DOWN_STEP_SECONDS = 5  # RFC 8628 §3.5: add 5 s to the interval on "slow_down"

Browser = Callable[[str], object]
Sleep = Callable[[float], None]

_DONE_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>Tradewind</title>"
    b"<p>%s</p><p>You can close this tab and return to the terminal.</p>"
)


def _say(message: str) -> None:
    # stderr, so that `--json` output on stdout stays machine-readable.
    print(message, file=sys.stderr, flush=True)


def sso_login(
    server_url: str,
    provider: str | None,
    *,
    open_browser: Browser = webbrowser.open,
    sleep: Sleep = time.sleep,
    timeout: float = LOGIN_TIMEOUT_SECONDS,
) -> str:
    """Sign in through `provider` (or the only one the server has); a session token."""
    with ApiClient(server_url, None) as client:
        chosen = _choose(client.get(f"{API}/auth/oidc/providers"), provider)
        name = str(chosen["name"])
        _say(f"Signing in with {chosen.get('display_name') or name}...")
        if chosen.get("device_flow"):
            return _device_login(client, name, open_browser, sleep, timeout)
        return _browser_login(client, server_url, name, open_browser, timeout)


def _choose(providers: Any, wanted: str | None) -> dict[str, Any]:
    if not isinstance(providers, list) or not providers:
        raise UsageProblem("sso_unavailable", "this server has no single sign-on provider")
    names = [str(p.get("name")) for p in providers]
    if wanted is None:
        if len(providers) > 1:
            raise UsageProblem(
                "sso_provider_required",
                f"this server offers several providers; choose one with --provider "
                f"({', '.join(names)})",
            )
        return dict(providers[0])
    for entry in providers:
        if entry.get("name") == wanted:
            return dict(entry)
    raise UsageProblem(
        "sso_provider_unknown", f"no provider '{wanted}' on this server ({', '.join(names)})"
    )


def _device_login(
    client: ApiClient, name: str, open_browser: Browser, sleep: Sleep, timeout: float
) -> str:
    base = f"{API}/auth/oidc/{seg(name)}/device"
    start = client.post(base)
    url = start.get("verification_uri_complete") or start["verification_uri"]
    _say(f"To sign in, visit {start['verification_uri']} and enter the code {start['user_code']}")
    open_browser(url)
    interval = max(1, int(start.get("interval") or 5))
    deadline = time.monotonic() + min(timeout, float(start.get("expires_in") or timeout))
    while time.monotonic() < deadline:
        answer = client.post(f"{base}/token", {"device_code": start["device_code"]})
        if "token" in answer:
            return str(answer["token"])
        if answer.get("status") == "slow_down":
            interval += SLOW_DOWN_STEP_SECONDS
        sleep(interval)
    raise ServerRefused(408, "sso_timeout", "sign-in was not completed in time")


@dataclass
class _Outcome:
    params: dict[str, str] = field(default_factory=dict)


def _handler(outcome: _Outcome) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != "/callback" or outcome.params:
                self.send_error(404)
                return
            query = parse_qs(parts.query)
            outcome.params = {k: v[0] for k, v in query.items() if v}
            ok = "code" in outcome.params
            message = b"Signed in to Tradewind." if ok else b"Sign-in failed."
            body = _DONE_PAGE % message
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # no access log on the user's terminal

    return Handler


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _browser_login(
    client: ApiClient, server_url: str, name: str, open_browser: Browser, timeout: float
) -> str:
    outcome = _Outcome()
    verifier, challenge = _pkce_pair()
    with http.server.HTTPServer(("127.0.0.1", 0), _handler(outcome)) as listener:
        port = listener.server_address[1]
        query = urlencode({"cli_port": port, "cli_challenge": challenge})
        url = f"{server_url.rstrip('/')}{API}/auth/oidc/{seg(name)}/login?{query}"
        _say(f"Opening your browser to sign in. If it does not open, visit:\n  {url}")
        open_browser(url)
        listener.timeout = 1.0
        deadline = time.monotonic() + timeout
        while not outcome.params and time.monotonic() < deadline:
            listener.handle_request()
    if not outcome.params:
        raise ServerRefused(408, "sso_timeout", "sign-in was not completed in time")
    if "code" not in outcome.params:
        code = outcome.params.get("error", "sso_failed")
        raise ServerRefused(400, code, outcome.params.get("error_description", "sign-in failed"))
    answer = client.post(
        f"{API}/auth/oidc/{seg(name)}/redeem",
        {"code": outcome.params["code"], "code_verifier": verifier},
    )
    return str(answer["token"])
