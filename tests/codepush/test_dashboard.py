"""The CodePush dashboard page: deployments with keys, history with labels and report counts,
promote, rollback and key rotation (CSRF-protected forms)."""

from __future__ import annotations

from fixtures.codepush import CodePushKit
from fixtures.dashboard import csrf_of
from fixtures.members import add_member
from fixtures.users import UserFactory

from tradewind.dashboard.security import SESSION_COOKIE

PAGE = "/dashboard/orgs/acme/apps/shop/codepush"
BUNDLE = {"CodePush/index.ios.bundle": b"1"}


async def test_page_promote_rollback_and_counts(kit: CodePushKit) -> None:
    keys = await kit.keys()
    await kit.released(BUNDLE, description="first build")
    await kit.released({**BUNDLE, "a": b"2"})
    report = {"deployment_key": keys["Staging"], "label": "v2"}
    assert (
        await kit.client.post("/v0.1/public/codepush/report_status/download", json=report)
    ).status_code == 200
    await kit.app.ctx.signals.flush()
    kit.client.cookies.set(SESSION_COOKIE, kit.owner.token)
    html = (await kit.client.get(PAGE)).text
    assert keys["Staging"] in html and keys["Production"] in html
    assert ">v1<" in html and ">v2<" in html and "first build" in html
    token = csrf_of(html)
    r = await kit.client.post(
        f"{PAGE}/promote", data={"source": "Staging", "target": "Production", "csrf_token": token}
    )
    assert r.status_code == 303
    assert [e["label"] for e in await kit.history("Production")] == ["v1"]
    r = await kit.client.post(
        f"{PAGE}/deployments/Staging/rollback", data={"label": "", "csrf_token": token}
    )
    assert r.status_code == 303
    assert [e["label"] for e in await kit.history()] == ["v1", "v2", "v3"]
    again = await kit.client.post(
        f"{PAGE}/promote",
        data={"source": "Production", "target": "Production", "csrf_token": token},
    )
    assert again.status_code == 303  # refused, explained in the flash message
    r = await kit.client.post(f"{PAGE}/deployments/Staging/key", data={"csrf_token": token})
    assert r.status_code == 303 and (await kit.keys())["Staging"] != keys["Staging"]
    no_csrf = await kit.client.post(f"{PAGE}/deployments/Staging/key", data={})
    assert no_csrf.status_code == 403


async def test_readers_see_keys_but_no_forms(kit: CodePushKit, users: UserFactory) -> None:
    reader = await users.create()
    await add_member(kit.client, kit.owner, "acme", reader, "read", app="shop")
    kit.client.cookies.set(SESSION_COOKIE, reader.token)
    html = (await kit.client.get(PAGE)).text
    assert (await kit.keys())["Staging"] in html
    assert "Rotate key" not in html and "Promote" not in html
    token = csrf_of(html)
    r = await kit.client.post(f"{PAGE}/deployments/Staging/key", data={"csrf_token": token})
    assert r.status_code == 403
