"""Dashboard sign-in: the authorization-code flow with PKCE, state and nonce, driven over HTTP
against the provider, exactly as a browser would (cookies, redirects, the provider's form).

Provider behaviour these tests cannot show (see tests/fixtures/oidc.py for the full list): PKCE
is enforced by a wrapper around the mock, not by the mock; the mock's "login page" is a form
that takes any subject, with no password, MFA or consent; its end-session endpoint ends no
provider session; its error redirects omit `state`.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from fixtures.oidc import CLIENT_ID, MockProvider, s256
from fixtures.oidc_harness import SSO, SsoFactory, edit_query
from sqlalchemy import select

from tradewind.models import Session, User, UserIdentity
from tradewind.oidc.flow import FLOW_COOKIE, LOGOUT_COOKIE


def set_cookies(response_headers: list[str]) -> dict[str, SimpleCookie]:
    found: dict[str, SimpleCookie] = {}
    for header in response_headers:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            found[name] = cookie
    return found


def error_code(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    return str(body["error"]["code"])


async def test_full_flow_follows_redirects_and_creates_a_session(
    sso: SSO, provider: MockProvider
) -> None:
    provider.set_user("sub-ann", email="ann@example.com", email_verified=True, name="Ann")
    # Follow every redirect up to the provider's sign-in form, like a browser.
    form = await sso.client.get(
        "/api/v1/auth/oidc/mock/login",
        params={"next": "/dashboard/apps?x=1"},
        follow_redirects=True,
    )
    assert form.status_code == 200 and 'name="sub"' in form.text
    assert str(form.url).startswith(provider.issuer + "/oauth2/authorize")
    back = await sso.client.post(str(form.url), data={"sub": "sub-ann"})
    assert back.status_code == 302
    done = await sso.client.get(back.headers["location"])
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/dashboard/apps?x=1"

    cookies = set_cookies(done.headers.get_list("set-cookie"))
    session_cookie = cookies["tw_session"]["tw_session"]
    assert session_cookie.value.startswith("tws_")
    assert session_cookie["httponly"] and session_cookie["path"] == "/"
    assert session_cookie["samesite"].lower() == "lax"
    assert not session_cookie["secure"]  # the public base URL is http:// in tests
    assert cookies[FLOW_COOKIE][FLOW_COOKIE].value == ""  # single use: cleared

    me = await sso.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {session_cookie.value}"}
    )
    assert me.json()["email"] == "ann@example.com"
    assert me.json()["display_name"] == "Ann"
    async with sso.app.ctx.db.unit_of_work() as session:
        kinds = list(await session.scalars(select(Session.kind)))
    assert kinds == ["sso-dashboard"]


async def test_authorization_request_carries_pkce_state_and_nonce(
    sso: SSO, provider: MockProvider
) -> None:
    start = await sso.start_login()
    query = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "http://testserver/api/v1/auth/oidc/mock/callback"
    assert query["code_challenge_method"] == "S256"
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    cookie = set_cookies(start.headers.get_list("set-cookie"))[FLOW_COOKIE][FLOW_COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/api/v1/auth/oidc/"
    flow = jwt.decode(cookie.value, options={"verify_signature": False})
    assert flow["st"] == query["state"] and flow["non"] == query["nonce"]
    assert s256(flow["ver"]) == query["code_challenge"]
    # Every login gets fresh values.
    again = await sso.start_login()
    assert parse_qs(urlsplit(again.headers["location"]).query)["state"][0] != query["state"]


async def test_second_sign_in_reuses_the_linked_user(sso: SSO, provider: MockProvider) -> None:
    provider.set_user("sub-bo", email="bo@example.com", email_verified=True)
    assert (await sso.sign_in("sub-bo")).status_code == 303
    provider.set_user("sub-bo", email="bo.renamed@example.com", email_verified=True)
    assert (await sso.sign_in("sub-bo")).status_code == 303
    assert await sso.count(User) == 1
    assert await sso.count(UserIdentity) == 1
    assert await sso.count(Session) == 2


async def test_state_mismatch_is_refused(sso: SSO, provider: MockProvider) -> None:
    provider.set_user("sub-c", email="c@example.com")
    r = await sso.sign_in("sub-c", edit_callback=lambda q: q.update(state="forged"))
    assert (r.status_code, error_code(r)) == (400, "oidc_state_mismatch")
    r = await sso.sign_in("sub-c", edit_callback=lambda q: q.pop("state"))
    assert (r.status_code, error_code(r)) == (400, "oidc_state_mismatch")
    assert await sso.count(User) == 0 and await sso.count(Session) == 0


async def test_callback_without_the_flow_cookie_is_refused(
    sso: SSO, provider: MockProvider
) -> None:
    """A callback URL opened in another browser (login CSRF / a stolen code)."""
    start = await sso.start_login()
    back = await sso.at_provider(start.headers["location"], "sub-d")
    sso.client.cookies.clear()
    r = await sso.client.get(back.headers["location"])
    assert (r.status_code, error_code(r)) == (400, "oidc_flow_missing")
    sso.client.cookies.set(FLOW_COOKIE, "forged.cookie.value", path="/api/v1/auth/oidc/")
    r = await sso.client.get(back.headers["location"])
    assert (r.status_code, error_code(r)) == (400, "oidc_flow_invalid")
    assert await sso.count(Session) == 0


async def test_nonce_mismatch_is_refused(sso: SSO, provider: MockProvider) -> None:
    """An ID token minted for another authorization request (code injection)."""
    provider.set_user("sub-e", email="e@example.com")
    r = await sso.sign_in("sub-e", edit_authorize=lambda q: q.update(nonce="attacker-nonce"))
    assert (r.status_code, error_code(r)) == (401, "oidc_nonce_mismatch")
    assert await sso.count(User) == 0 and await sso.count(Session) == 0


async def test_pkce_mismatch_is_refused_by_the_provider(sso: SSO, provider: MockProvider) -> None:
    """A code issued for another PKCE challenge cannot be redeemed with our verifier."""
    provider.set_user("sub-f", email="f@example.com")
    forged_challenge = s256("attacker-verifier-attacker-verifier-attacker-verifier")
    r = await sso.sign_in(
        "sub-f", edit_authorize=lambda q: q.update(code_challenge=forged_challenge)
    )
    assert (r.status_code, error_code(r)) == (400, "oidc_code_rejected")
    assert r.json()["error"]["details"]["provider_error"] == "invalid_grant"
    assert await sso.count(User) == 0 and await sso.count(Session) == 0


async def test_code_cannot_be_replayed(sso: SSO, provider: MockProvider) -> None:
    provider.set_user("sub-g", email="g@example.com")
    start = await sso.start_login()
    flow_cookie = sso.client.cookies.get(FLOW_COOKIE)
    back = await sso.at_provider(start.headers["location"], "sub-g")
    assert (await sso.client.get(back.headers["location"])).status_code == 303
    r = await sso.client.get(back.headers["location"])
    assert (r.status_code, error_code(r)) == (400, "oidc_flow_missing")
    assert flow_cookie is not None
    sso.client.cookies.set(FLOW_COOKIE, flow_cookie, path="/api/v1/auth/oidc/")
    r = await sso.client.get(back.headers["location"])
    assert (r.status_code, error_code(r)) == (400, "oidc_code_rejected")
    assert await sso.count(Session) == 1


async def test_denied_at_the_provider(sso: SSO, provider: MockProvider) -> None:
    start = await sso.start_login()
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    back = await sso.client.post(start.headers["location"], data={"action": "deny"})
    # The mock leaves `state` out of its error redirect (RFC 6749 §4.1.2.1 requires it), and
    # an answer we cannot tie to our request is refused as such.
    r = await sso.client.get(back.headers["location"])
    assert (r.status_code, error_code(r)) == (400, "oidc_state_mismatch")
    # With the state a compliant provider includes, the denial itself is reported.
    r = await sso.client.get(edit_query(back.headers["location"], lambda q: q.update(state=state)))
    assert (r.status_code, error_code(r)) == (403, "oidc_access_denied")
    assert r.json()["error"]["details"]["provider_error"] == "access_denied"


async def test_code_missing(sso: SSO, provider: MockProvider) -> None:
    provider.set_user("sub-h", email="h@example.com")
    r = await sso.sign_in("sub-h", edit_callback=lambda q: q.pop("code"))
    assert (r.status_code, error_code(r)) == (400, "oidc_code_missing")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example.com/",
        "https://evil.example.com/",
        "/\\evil.example.com",
        "dashboard",
        "/dash\nboard",
        "javascript:alert(1)",
    ],
)
async def test_next_must_stay_on_this_site(sso: SSO, target: str) -> None:
    r = await sso.start_login(next=target)
    assert (r.status_code, error_code(r)) == (400, "oidc_invalid_next")
    assert FLOW_COOKIE not in r.headers.get("set-cookie", "")


async def test_default_next_is_the_dashboard(sso: SSO, provider: MockProvider) -> None:
    provider.set_user("sub-i", email="i@example.com")
    r = await sso.sign_in("sub-i")
    assert r.headers["location"] == "/dashboard/"


async def test_unknown_provider(sso: SSO) -> None:
    r = await sso.start_login("nope")
    assert (r.status_code, error_code(r)) == (404, "oidc_provider_not_found")


async def test_provisioning_off_and_existing_account(
    sso_factory: SsoFactory, provider: MockProvider
) -> None:
    sso = await sso_factory(provider.settings(auto_create_users=False))
    provider.set_user("sub-new", email="new@example.com", email_verified=True)
    r = await sso.sign_in("sub-new")
    assert (r.status_code, error_code(r)) == (403, "oidc_user_not_provisioned")
    assert await sso.count(User) == 0 and await sso.count(Session) == 0
    await sso.create_user("new@example.com")
    assert (await sso.sign_in("sub-new")).status_code == 303
    assert await sso.count(UserIdentity) == 1


async def test_domain_restriction(sso_factory: SsoFactory, provider: MockProvider) -> None:
    sso = await sso_factory(provider.settings(allowed_email_domains=["example.com"]))
    provider.set_user("sub-x", email="x@elsewhere.net", email_verified=True)
    r = await sso.sign_in("sub-x")
    assert (r.status_code, error_code(r)) == (403, "oidc_email_domain_not_allowed")
    assert await sso.count(User) == 0
    provider.set_user("sub-y", email="y@example.com", email_verified=True)
    assert (await sso.sign_in("sub-y")).status_code == 303


async def test_logout_ends_the_session_and_visits_the_provider(
    sso: SSO, provider: MockProvider
) -> None:
    provider.set_user("sub-l", email="l@example.com")
    signed_in = await sso.sign_in("sub-l")
    token = sso.client.cookies.get("tw_session")
    assert token and sso.client.cookies.get(LOGOUT_COOKIE)
    r = await sso.client.post("/api/v1/auth/oidc/logout")
    assert r.status_code == 303, r.text
    target = urlsplit(r.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == (
        provider.issuer + "/oauth2/end_session"
    )
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["post_logout_redirect_uri"] == "http://testserver/dashboard/"
    assert query["client_id"] == CLIENT_ID
    assert jwt.decode(query["id_token_hint"], options={"verify_signature": False})["sub"] == (
        "sub-l"
    )
    cleared = set_cookies(r.headers.get_list("set-cookie"))
    assert cleared["tw_session"]["tw_session"].value == ""
    me = await sso.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert (me.status_code, error_code(me)) == (401, "token_revoked")
    assert signed_in.status_code == 303


async def test_logout_without_a_session_just_redirects(sso: SSO) -> None:
    r = await sso.client.post("/api/v1/auth/oidc/logout")
    assert (r.status_code, r.headers["location"]) == (303, "/dashboard/")


async def test_cookies_are_secure_behind_https(
    sso_factory: SsoFactory, provider: MockProvider
) -> None:
    sso = await sso_factory(provider.settings(), public_base_url="https://ota.example.com")
    r = await sso.start_login()
    cookie = set_cookies(r.headers.get_list("set-cookie"))[FLOW_COOKIE][FLOW_COOKIE]
    assert cookie["secure"]
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query["redirect_uri"] == ["https://ota.example.com/api/v1/auth/oidc/mock/callback"]
