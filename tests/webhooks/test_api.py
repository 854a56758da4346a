"""The management API: the SSRF guard at creation and at delivery, the secret shown once and
sealed at rest, ping, the delivery log, redelivery, removal and tenant isolation."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.releases import ReleaseKit, release_kit
from fixtures.users import UserFactory
from fixtures.webhooks import (
    APP_HOOKS,
    ORG_HOOKS,
    Answer,
    Receiver,
    add_hook,
    deliveries,
    drain,
    verify,
)
from httpx import AsyncClient
from sqlalchemy import select

from tradewind.app import TradewindApp
from tradewind.models import Webhook
from tradewind.settings import Settings


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> ReleaseKit:
    return await release_kit(app, client, users)


def guarded(app: TradewindApp) -> None:
    """The production default: private targets refused (the fixture allows them)."""
    app.ctx.settings = app.ctx.settings.model_copy(update={"webhook_allow_private_targets": False})


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1:8080/hook", "webhook_url_refused"),
        ("http://localhost/hook", "webhook_url_refused"),
        ("http://[::1]/hook", "webhook_url_refused"),
        ("http://169.254.169.254/latest/meta-data", "webhook_url_refused"),
        ("http://10.1.2.3/hook", "webhook_url_refused"),
        ("http://192.168.0.10/hook", "webhook_url_refused"),
        ("http://0.0.0.0/hook", "webhook_url_refused"),
        ("http://[::ffff:127.0.0.1]/hook", "webhook_url_refused"),
        ("ftp://example.com/hook", "webhook_url_invalid"),
        ("http://user:pw@example.com/hook", "webhook_url_invalid"),
        ("http:///no-host", "webhook_url_invalid"),
        ("http://example.com:99999/", "webhook_url_invalid"),
        ("http://no-such-host.invalid/hook", "webhook_url_unresolvable"),
    ],
)
async def test_the_ssrf_guard_refuses_at_creation(
    app: TradewindApp, kit: ReleaseKit, url: str, code: str
) -> None:
    guarded(app)
    r = await kit.client.post(ORG_HOOKS, json={"url": url}, headers=kit.owner.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (400, code), r.text
    async with app.ctx.db.unit_of_work() as session:
        assert list(await session.scalars(select(Webhook))) == []


async def test_the_ssrf_guard_refuses_again_at_delivery(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver
) -> None:
    await add_hook(kit, hook_receiver.url)  # allowed then; the setting changes afterwards
    await kit.created(package_version=await kit.package())
    guarded(app)
    assert (await drain(app)).retrying == 1
    [row] = await deliveries(app)
    assert row.last_error is not None and row.last_error.startswith("refused: 127.0.0.1")
    assert hook_receiver.received == []


async def test_bad_bodies_are_refused(kit: ReleaseKit) -> None:
    for body in (
        {},
        {"url": "https://example.com", "format": "xml"},
        {"url": "x", "events": ["nope"]},
    ):
        r = await kit.client.post(ORG_HOOKS, json=body, headers=kit.owner.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_failed"), body


async def test_the_secret_is_shown_once_and_sealed_at_rest(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver, settings: Settings
) -> None:
    hook = await add_hook(kit, hook_receiver.url)
    secret = hook["secret"]
    listed = (await kit.client.get(ORG_HOOKS, headers=kit.owner.headers)).json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    async with app.ctx.db.unit_of_work() as session:
        sealed = await session.scalar(select(Webhook.secret_sealed))
    assert sealed is not None and secret.encode() not in sealed
    if settings.is_sqlite:
        database = Path(settings.resolved_database_url.split("///", 1)[1])
        files = [p for p in database.parent.glob(database.name + "*") if p.is_file()]
        assert files and all(secret.encode() not in p.read_bytes() for p in files)


async def test_ping_the_log_and_redelivery(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver
) -> None:
    hook = await add_hook(kit, hook_receiver.url, base=APP_HOOKS)
    base = f"{APP_HOOKS}/{hook['id']}"
    hook_receiver.script = [Answer(200, b"pong")]
    r = await kit.client.post(f"{base}/ping", headers=kit.owner.headers)
    assert r.status_code == 200, r.text
    ping = r.json()
    assert (ping["event"], ping["status"], ping["response_status"]) == ("ping", "delivered", 200)
    assert ping["response_excerpt"] == "pong" and ping["attempts"] == 1
    [received] = hook_receiver.received
    assert received.json["event"] == "ping" and received.json["app"] == "shop"
    assert verify(hook["secret"], received.headers["x-tradewind-signature"], received.body)

    r = await kit.client.post(
        f"{base}/deliveries/{ping['id']}/redeliver", headers=kit.owner.headers
    )
    assert r.status_code == 200, r.text
    again = r.json()
    assert again["delivery_id"] != ping["delivery_id"] and again["status"] == "delivered"
    assert hook_receiver.received[1].body == received.body
    log = (await kit.client.get(f"{base}/deliveries", headers=kit.owner.headers)).json()
    assert [d["id"] for d in log] == [again["id"], ping["id"]]


async def test_a_failed_ping_stays_queued_for_retry(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver
) -> None:
    hook = await add_hook(kit, hook_receiver.url)
    hook_receiver.script = [Answer(500, b"no")]
    r = await kit.client.post(f"{ORG_HOOKS}/{hook['id']}/ping", headers=kit.owner.headers)
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["response_status"]) == ("pending", 500)


async def test_other_scopes_and_organisations_see_no_webhook(
    app: TradewindApp, kit: ReleaseKit, users: UserFactory, hook_receiver: Receiver
) -> None:
    hook = await add_hook(kit, hook_receiver.url, base=APP_HOOKS)
    h = kit.owner.headers
    assert (await kit.client.get(ORG_HOOKS, headers=h)).json() == []
    r = await kit.client.delete(f"{ORG_HOOKS}/{hook['id']}", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "webhook_not_found")
    stranger = await users.create()
    assert (
        await kit.client.post("/api/v1/orgs", json={"name": "evil"}, headers=stranger.headers)
    ).status_code == 201
    r = await kit.client.get(
        f"/api/v1/orgs/evil/webhooks/{hook['id']}/deliveries", headers=stranger.headers
    )
    assert (r.status_code, r.json()["error"]["code"]) == (404, "webhook_not_found")
    r = await kit.client.post(f"{APP_HOOKS}/{hook['id']}/deliveries/999/redeliver", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "delivery_not_found")
    writer = await kit.member(users, "write")
    r = await kit.client.get(APP_HOOKS, headers=writer.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "insufficient_role")

    assert (await kit.client.delete(f"{APP_HOOKS}/{hook['id']}", headers=h)).status_code == 204
    assert (await kit.client.get(APP_HOOKS, headers=h)).json() == []
    await kit.created(package_version=await kit.package())
    assert await deliveries(app) == []


async def test_concurrent_creations_are_each_checked(app: TradewindApp, kit: ReleaseKit) -> None:
    """Names resolved in several threads at once (the full fuzzing run once saw
    `LookupError: unknown encoding: idna` there, a 500); addresses are not looked up."""
    guarded(app)
    urls = [f"http://{host}/hook/{n}" for n in range(10) for host in ("localhost", "127.0.0.1")]
    answers = await asyncio.gather(
        *(kit.client.post(ORG_HOOKS, json={"url": url}, headers=kit.owner.headers) for url in urls)
    )
    assert {(r.status_code, r.json()["error"]["code"]) for r in answers} == {
        (400, "webhook_url_refused")
    }


def test_the_idna_codec_is_loaded_with_the_guard() -> None:
    """In a fresh interpreter: importing the guard loads the codec getaddrinfo's threads use."""
    probe = "import sys, tradewind.webhooks.targets; print('encodings.idna' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
