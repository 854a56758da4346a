"""The dashboard's HTTP behaviour without a browser: sessions and cookies, CSRF, redirects,
security headers, error pages and form validation (in-process, SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from fixtures.dashboard import csrf_of
from fixtures.users import DEFAULT_PASSWORD, SignedIn, UserFactory
from httpx import ASGITransport, AsyncClient, Response
from starlette.responses import Response as StarletteResponse

from tradewind.app import create_app
from tradewind.dashboard.security import SESSION_COOKIE, cookie_is_secure, set_cookie
from tradewind.settings import OIDCProviderSettings, Settings

TEMPLATES = Path(__file__).resolve().parents[2] / "src/tradewind/dashboard/templates"


async def sign_in(client: AsyncClient, email: str, password: str = DEFAULT_PASSWORD) -> Response:
    page = await client.get("/dashboard/login")
    data = {"email": email, "password": password, "csrf_token": csrf_of(page.text)}
    return await client.post("/dashboard/login", data=data)


async def test_sign_in_sets_a_strict_session_cookie_and_sign_out_ends_it(
    client: AsyncClient, users: UserFactory
) -> None:
    alice = await users.create()
    response = await sign_in(client, alice.email)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("tw_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # the test server's public URL is http
    home = await client.get("/dashboard/")
    assert home.status_code == 200 and alice.email in home.text
    session_token = client.cookies[SESSION_COOKIE]

    out = await client.post("/dashboard/logout", data={"csrf_token": csrf_of(home.text)})
    assert out.status_code == 303 and out.headers["location"] == "/dashboard/login"
    client.cookies.set(SESSION_COOKIE, session_token)  # replaying the old cookie fails
    again = await client.get("/dashboard/orgs/anything")
    assert again.status_code == 303 and again.headers["location"].startswith("/dashboard/login")
    api = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {session_token}"})
    assert api.json()["error"]["code"] == "token_revoked"


def test_session_cookie_is_secure_behind_https(settings: Settings) -> None:
    https = settings.model_copy(update={"public_base_url": "https://tw.example.com"})
    assert cookie_is_secure(https) and not cookie_is_secure(settings)
    response = StarletteResponse()
    set_cookie(response, https, SESSION_COOKIE, "tws_x", 60)
    assert "Secure" in response.headers["set-cookie"]


async def test_wrong_password_keeps_the_email_and_sets_no_session(
    client: AsyncClient, users: UserFactory
) -> None:
    alice = await users.create()
    response = await sign_in(client, alice.email, "not-the-password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert f'value="{alice.email}"' in response.text
    assert SESSION_COOKIE not in client.cookies


async def test_sign_in_redirects_back_but_never_off_site(
    client: AsyncClient, users: UserFactory
) -> None:
    alice = await users.create()
    first = await client.get("/dashboard/orgs/acme/apps/shop/releases?status=live")
    assert first.status_code == 303
    assert first.headers["location"] == (
        "/dashboard/login?next=%2Fdashboard%2Forgs%2Facme%2Fapps%2Fshop%2Freleases%3Fstatus%3Dlive"
    )
    for target, landing in [
        ("/dashboard/orgs/acme", "/dashboard/orgs/acme"),
        ("//evil.example/x", "/dashboard/"),
        ("https://evil.example/", "/dashboard/"),
        ("/dashboard/\\evil", "/dashboard/"),
    ]:
        client.cookies.clear()
        page = await client.get("/dashboard/login", params={"next": target})
        data = {
            "email": alice.email,
            "password": DEFAULT_PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": target,
        }
        response = await client.post("/dashboard/login", data=data)
        assert response.headers["location"] == landing, target


async def test_only_session_tokens_are_accepted_as_cookies(
    client: AsyncClient, users: UserFactory
) -> None:
    alice = await users.create()
    created = await client.post("/api/v1/tokens", json={"name": "ci"}, headers=alice.headers)
    assert created.status_code == 201, created.text
    for value in (created.json()["token"], "tws_forged", "garbage"):
        client.cookies.set(SESSION_COOKIE, value)
        response = await client.get("/dashboard/")
        assert response.status_code == 303, value
        assert response.headers["location"] == "/dashboard/login"


async def test_htmx_requests_are_redirected_with_a_header(client: AsyncClient) -> None:
    response = await client.get("/dashboard/orgs/acme", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/dashboard/login")


def signed(client: AsyncClient, user: SignedIn) -> None:
    client.cookies.set(SESSION_COOKIE, user.token)


async def test_every_page_has_security_headers_and_no_inline_code(
    client: AsyncClient, users: UserFactory
) -> None:
    signed(client, await users.create())
    for path in ("/dashboard/", "/dashboard/login", "/dashboard/tokens", "/dashboard/nope"):
        response = await client.get(path)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"\sstyle=|<style", text), template
        assert not re.search(r"\son[a-z]+=", text), template


async def test_static_files_are_served_with_a_content_hash(client: AsyncClient) -> None:
    page = await client.get("/dashboard/login")
    links = re.findall(r'(?:href|src)="(/dashboard/static/[^"]+)"', page.text)
    assert {link.split("?")[0].rsplit("/", 1)[1] for link in links} == {
        "favicon.svg",
        "dashboard.css",
        "htmx.min.js",
        "dashboard.js",
    }
    for link in links:
        assert re.search(r"\?v=[0-9a-f]{12}$", link)
        assert (await client.get(link)).status_code == 200


async def test_root_redirects_to_the_dashboard(client: AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 307 and response.headers["location"] == "/dashboard/"


async def test_unknown_and_foreign_organisations_look_the_same(
    client: AsyncClient, users: UserFactory
) -> None:
    alice, eve = await users.create(), await users.create()
    await client.post("/api/v1/orgs", json={"name": "acme"}, headers=alice.headers)
    signed(client, eve)
    for path in ("/dashboard/orgs/acme", "/dashboard/orgs/nope", "/dashboard/orgs/acme/apps/x"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Not found" in response.text
    bad_id = await client.get("/dashboard/orgs/acme/apps/x/releases/not-a-number")
    assert bad_id.status_code == 404


async def test_invalid_forms_show_errors_next_to_fields_and_keep_values(
    client: AsyncClient, users: UserFactory
) -> None:
    alice = await users.create()
    signed(client, alice)
    token = csrf_of((await client.get("/dashboard/")).text)
    response = await client.post(
        "/dashboard/orgs",
        data={"name": "Not A Slug", "display_name": "Keep me", "csrf_token": token},
    )
    assert response.status_code == 422
    assert 'id="name-error"' in response.text and 'aria-invalid="true"' in response.text
    assert "lowercase letters, digits" in response.text
    assert 'value="Not A Slug"' in response.text and 'value="Keep me"' in response.text
    listed = await client.get("/api/v1/orgs", headers=alice.headers)
    assert listed.json() == []  # nothing half-written

    await client.post("/dashboard/orgs", data={"name": "acme", "csrf_token": token})
    duplicate = await client.post("/dashboard/orgs", data={"name": "acme", "csrf_token": token})
    assert duplicate.status_code == 422
    assert "Organisation &#39;acme&#39; already exists." in duplicate.text


async def test_flash_messages_cannot_be_planted(client: AsyncClient, users: UserFactory) -> None:
    signed(client, await users.create())
    client.cookies.set("tw_flash", "0" * 32 + "|" + b"<b>pwned</b>".hex())
    page = await client.get("/dashboard/")
    assert "pwned" not in page.text
    token = csrf_of(page.text)
    created = await client.post("/dashboard/orgs", data={"name": "acme", "csrf_token": token})
    landed = await client.get(created.headers["location"])
    assert "Organisation acme created." in landed.text
    assert "Organisation acme created." not in (await client.get("/dashboard/")).text


async def test_semver_range_hints_in_the_target_editor(
    client: AsyncClient, users: UserFactory
) -> None:
    alice = await users.create()
    await client.post("/api/v1/orgs", json={"name": "acme"}, headers=alice.headers)
    await client.post("/api/v1/orgs/acme/apps", json={"name": "shop"}, headers=alice.headers)
    dimension = {"name": "appver", "type": "semver"}
    created = await client.post(
        "/api/v1/orgs/acme/apps/shop/dimensions", json=dimension, headers=alice.headers
    )
    assert created.status_code == 201, created.text
    signed(client, alice)
    url = "/dashboard/orgs/acme/apps/shop/releases/range-hint"
    good = await client.get(url, params={"dimension": "appver", "value.appver": "^2.1"})
    assert good.status_code == 200
    assert "Valid range: matches 2.1.0, 2.1.1, 2.2.0; not 1.9.9, 3.0.0." in good.text
    bad = await client.get(url, params={"dimension": "appver", "value.appver": ">=two"})
    assert "hint-invalid" in bad.text and "is not an npm-style range" in bad.text
    await upload_bundle(client, alice)
    form = await client.get("/dashboard/orgs/acme/apps/shop/releases/new")
    hint = 'hx-get="/dashboard/orgs/acme/apps/shop/releases/range-hint?dimension=appver"'
    assert hint in form.text


async def upload_bundle(client: AsyncClient, user: SignedIn) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("index.android.bundle", "console.log(1)")
    uploaded = await client.post(
        "/api/v1/orgs/acme/apps/shop/bundles",
        files={"archive": ("b.zip", archive.getvalue(), "application/zip")},
        data={"manifest": '{"index": "index.android.bundle"}'},
        headers=user.headers,
    )
    assert uploaded.status_code == 201, uploaded.text


async def test_release_actions_refuse_bad_input_and_change_nothing(
    client: AsyncClient, users: UserFactory
) -> None:
    alice = await users.create()
    await client.post("/api/v1/orgs", json={"name": "acme"}, headers=alice.headers)
    await client.post("/api/v1/orgs/acme/apps", json={"name": "shop"}, headers=alice.headers)
    await upload_bundle(client, alice)
    api = "/api/v1/orgs/acme/apps/shop/releases"
    await client.post(api, json={"package_version": 1}, headers=alice.headers)
    created = await client.post(
        api, json={"package_version": 1, "percentage": 5}, headers=alice.headers
    )
    release = created.json()["id"]
    signed(client, alice)
    page = f"/dashboard/orgs/acme/apps/shop/releases/{release}"
    token = csrf_of((await client.get(page)).text)

    for value in ("150", "abc", "-1", "12.345"):
        response = await client.post(
            f"{page}/ramp", data={"percentage": value, "csrf_token": token}
        )
        assert response.status_code == 400, value
        assert 'id="percentage-error"' in response.text and "percentage" in response.text
    htmx = await client.get(f"{page}/confirm/ramp?percentage=abc", headers={"HX-Request": "true"})
    assert htmx.status_code == 400 and 'role="alert"' in htmx.text and "<html" not in htmx.text
    not_allowed = await client.get(f"{page}/confirm/resume")
    assert not_allowed.status_code == 409 and "Cannot resume a release that is created" in (
        not_allowed.text
    )
    assert (await client.get(f"{page}/confirm/explode")).status_code == 404
    assert (await client.post(f"{page}/explode", data={"csrf_token": token})).status_code == 404
    state = await client.get(f"{api}/{release}", headers=alice.headers)
    assert state.json()["status"] == "created" and state.json()["percentage"] == 5

    preview = await client.get(f"{page}/confirm/discard")
    assert "It has never been served: nothing changes for devices." in preview.text
    done = await client.post(f"{page}/discard", data={"csrf_token": token})
    assert done.status_code == 303
    assert (await client.get(f"{api}/{release}", headers=alice.headers)).json()["status"] == (
        "discarded"
    )


async def test_sso_buttons_and_sign_out_through_the_provider(
    settings: Settings, users: UserFactory
) -> None:
    corp = OIDCProviderSettings(
        name="corp", display_name="Corp SSO", issuer="http://127.0.0.1:9", client_id="tw"
    )
    app = create_app(settings.model_copy(update={"oidc_providers": [corp]}))
    transport = ASGITransport(app=app, client=("127.0.0.1", 50000))
    try:
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            page = await client.get("/dashboard/login", params={"next": "/dashboard/orgs/x"})
            link = "/api/v1/auth/oidc/corp/login?next=%2Fdashboard%2Forgs%2Fx"
            assert f'href="{link}"' in page.text and "Sign in with Corp SSO" in page.text
            signed(client, await users.create())  # an SSO sign-in sets this same cookie
            home = await client.get("/dashboard/")
            assert home.status_code == 200
            out = await client.post("/dashboard/logout", data={"csrf_token": csrf_of(home.text)})
            assert out.status_code == 307
            assert out.headers["location"] == "/api/v1/auth/oidc/logout"
            assert (await client.get("/dashboard/")).status_code == 303  # session ended
    finally:
        await app.ctx.db.dispose()
