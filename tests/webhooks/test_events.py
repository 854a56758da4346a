"""Release and package events reach a real HTTP receiver, signed; one delivery per event and
webhook, queued in the unit of work of the action."""

from __future__ import annotations

import pytest
from fixtures.releases import ReleaseKit, release_kit
from fixtures.users import UserFactory
from fixtures.webhooks import APP_HOOKS, Receiver, add_hook, deliveries, drain, verify
from httpx import AsyncClient
from sqlalchemy import select

from tradewind.access.roles import Role
from tradewind.access.service import AppAccess
from tradewind.app import TradewindApp
from tradewind.audit.service import record
from tradewind.guards.evaluator import GUARD
from tradewind.models import Application, Organisation
from tradewind.releases import service as releases


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> ReleaseKit:
    return await release_kit(app, client, users)


async def test_the_release_lifecycle_is_delivered_signed(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver
) -> None:
    hook = await add_hook(kit, hook_receiver.url)
    assert hook["secret"].startswith("whsec_") and hook["app"] is None
    first = await kit.created(package_version=await kit.package())  # live at once
    second = await kit.created(package_version=await kit.package(), percentage=5)
    steps = (("ramp", {"percentage": 50}), ("pause", None), ("resume", None), ("conclude", None))
    for action, body in steps:
        r = await kit.act(second["id"], action, json=body)
        assert r.status_code == 200, r.text
    third = await kit.created(package_version=await kit.package(), percentage=5)
    assert (await kit.act(third["id"], "discard")).status_code == 200
    assert (await kit.act(first["id"], "rollback")).status_code == 201

    result = await drain(app)

    expected = [
        "release.created",
        "release.created",
        "release.ramped",
        "release.paused",
        "release.resumed",
        "release.concluded",
        "release.created",
        "release.discarded",
        "release.rolled_back",
    ]
    assert result.delivered == len(expected)
    assert hook_receiver.events() == expected
    for received in hook_receiver.received:
        assert verify(hook["secret"], received.headers["x-tradewind-signature"], received.body)
        assert not verify("whsec_other", received.headers["x-tradewind-signature"], received.body)
    ids = {r.headers["x-tradewind-delivery"] for r in hook_receiver.received}
    assert len(ids) == len(expected)
    ramped = hook_receiver.received[2].json
    assert ramped["org"] == "acme" and ramped["app"] == "shop"
    assert ramped["object"] == {"type": "release", "id": str(second["id"])}
    assert ramped["to_state"] == "in_progress" and ramped["details"]["percentage"] == 50
    assert ramped["actor"] == kit.owner.email
    assert all(d.status == "delivered" and d.response_status == 200 for d in await deliveries(app))


async def test_a_refused_action_queues_nothing(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver
) -> None:
    await add_hook(kit, hook_receiver.url)
    release = await kit.created(package_version=await kit.package())
    assert (await kit.act(release["id"], "resume")).status_code == 409  # not paused
    await drain(app)
    assert hook_receiver.events() == ["release.created"]


async def test_the_guard_pause_and_a_package_upload_are_their_own_events(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver
) -> None:
    await add_hook(kit, hook_receiver.url, events=["release.paused_by_guard", "package.uploaded"])
    await kit.created(package_version=await kit.package())  # the baseline, live at once
    release = await kit.created(package_version=await kit.package(), percentage=5)
    assert (await kit.act(release["id"], "ramp", json={"percentage": 10})).status_code == 200
    async with app.ctx.db.unit_of_work() as session:
        application = await session.scalar(select(Application).where(Application.id == kit.app_id))
        assert application is not None
        org = await session.get_one(Organisation, application.org_id)
        access = AppAccess(org, application, Role.OWNER)
        # the rollout guard's own call (tradewind.guards.evaluator trips with this actor)
        await releases.transition(session, GUARD, access, release["id"], "pause")
        # the audit record packages.service writes for an upload; the upload path itself is
        # covered by tests/packages, this checks its event mapping
        await record(
            session, None, "package.create", "package", 7, org_id=org.id, app_id=application.id
        )
    await drain(app)
    assert hook_receiver.events() == ["release.paused_by_guard", "package.uploaded"]
    assert hook_receiver.received[0].json["actor"] == "guard"


async def test_app_webhooks_hear_only_their_application(
    app: TradewindApp, kit: ReleaseKit, hook_receiver: Receiver
) -> None:
    await add_hook(kit, hook_receiver.url, base=APP_HOOKS, format="slack")
    r = await kit.client.post(
        "/api/v1/orgs/acme/apps", json={"name": "other"}, headers=kit.owner.headers
    )
    assert r.status_code == 201
    await kit.created(package_version=await kit.package())
    await drain(app)
    assert hook_receiver.events() == ["release.created"]
    text = hook_receiver.received[0].json["text"]
    assert hook_receiver.received[0].json == {"text": text}
    assert (
        text.startswith("Tradewind: release.created acme/shop release ")
        and "→ concluded (100%)" in text
    )
