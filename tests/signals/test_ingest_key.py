"""The ingest key: shown to readers, rotated and made optional by admins, known to the snapshot."""

from __future__ import annotations

from fixtures.serving import DeviceKit
from fixtures.users import UserFactory


async def test_readers_see_the_key_and_admins_rotate_it(kit: DeviceKit, users: UserFactory) -> None:
    reader = await kit.member(users, "read")
    writer = await kit.member(users, "write")
    shown = await kit.client.get(kit.base, headers=reader.headers)
    assert shown.status_code == 200
    key = shown.json()["ingest_key"]
    assert key.startswith("twi_") and len(key) > 40
    assert shown.json()["ingest_keyless"] is False
    rotate = f"{kit.base}/ingest-key/rotate"
    for member in (reader, writer):
        r = await kit.client.post(rotate, headers=member.headers)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "insufficient_role"
    r = await kit.client.post(rotate, headers=kit.owner.headers)
    assert r.status_code == 200
    assert r.json()["ingest_key"] not in (key, "")
    listed = await kit.client.get("/api/v1/orgs/acme/apps", headers=reader.headers)
    assert listed.json()[0]["ingest_key"] != key


async def test_keyless_is_an_admin_setting(kit: DeviceKit, users: UserFactory) -> None:
    writer = await kit.member(users, "write")
    r = await kit.client.patch(kit.base, json={"ingest_keyless": True}, headers=writer.headers)
    assert r.status_code == 403
    r = await kit.client.patch(kit.base, json={"ingest_keyless": "yes"}, headers=kit.owner.headers)
    assert r.status_code == 422
    r = await kit.client.patch(kit.base, json={"ingest_keyless": True}, headers=kit.owner.headers)
    assert r.status_code == 200
    assert r.json()["ingest_keyless"] is True


async def test_snapshot_follows_rotation_and_keyless(kit: DeviceKit) -> None:
    await kit.refresh()
    first = kit.app.ctx.snapshots.apps["acme/shop"].source.ingest
    assert not first.keyless
    r = await kit.client.post(f"{kit.base}/ingest-key/rotate", headers=kit.owner.headers)
    await kit.refresh()
    rotated = kit.app.ctx.snapshots.apps["acme/shop"].source.ingest
    assert rotated.key == r.json()["ingest_key"] != first.key
    await kit.client.patch(kit.base, json={"ingest_keyless": True}, headers=kit.owner.headers)
    await kit.refresh()
    assert kit.app.ctx.snapshots.apps["acme/shop"].source.ingest.keyless


async def test_new_applications_get_distinct_keys(kit: DeviceKit) -> None:
    r = await kit.client.post(
        "/api/v1/orgs/acme/apps", json={"name": "other"}, headers=kit.owner.headers
    )
    assert r.status_code == 201
    mine = (await kit.client.get(kit.base, headers=kit.owner.headers)).json()["ingest_key"]
    assert r.json()["ingest_key"].startswith("twi_")
    assert r.json()["ingest_key"] != mine
