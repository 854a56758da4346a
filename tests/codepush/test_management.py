"""Deployments, keys, releasing, promote and rollback through the management API."""

from __future__ import annotations

import hashlib

from fixtures.codepush import BASE, CodePushKit
from fixtures.files import zip_bytes
from fixtures.members import add_member, make_org
from fixtures.users import UserFactory
from sqlalchemy import func, select

from tradewind.models import Package, Release
from tradewind.models.codepush import CodePushDeployment

BUNDLE = {"CodePush/main.jsbundle": b"console.log(1)"}


async def test_defaults_keys_are_long_random_and_readable_by_readers(
    kit: CodePushKit, users: UserFactory
) -> None:
    keys = await kit.keys()
    assert set(keys) == {"Staging", "Production"}
    assert all(len(k) >= 32 for k in keys.values()) and len(set(keys.values())) == 2
    reader = await users.create()
    await add_member(kit.client, kit.owner, "acme", reader, "read", app="shop")
    r = await kit.client.get(BASE, headers=reader.headers)
    assert {d["name"]: d["key"] for d in r.json()} == keys
    # Readers cannot change deployments.
    r = await kit.client.post(f"{BASE}/Staging/key", headers=reader.headers)
    assert r.status_code == 403
    # Keys are sealed at rest: neither the key nor its hash-free form is stored in clear.
    async with kit.app.ctx.db.sessions() as session:
        rows = (await session.scalars(select(CodePushDeployment))).all()
    assert all(keys[row.name].encode() not in bytes(row.key_sealed) for row in rows)


async def test_other_organisations_see_nothing(kit: CodePushKit, users: UserFactory) -> None:
    stranger = await users.create()
    await make_org(kit.client, stranger, "other", "app")
    r = await kit.client.get(BASE, headers=stranger.headers)
    assert r.status_code == 404
    r = await kit.client.get(f"{BASE}/Staging/history", headers=stranger.headers)
    assert r.status_code == 404


async def test_rotate_revokes_the_old_key(kit: CodePushKit) -> None:
    old = await kit.key()
    await kit.released(BUNDLE)
    assert (await kit.check(deployment_key=old, app_version="1.0.0")).status_code == 200
    r = await kit.client.post(f"{BASE}/Staging/key", headers=kit.owner.headers)
    assert r.status_code == 200
    new = r.json()["key"]
    assert new != old and new == await kit.key()
    await kit.refresh()
    assert (await kit.check(deployment_key=old, app_version="1.0.0")).status_code == 404
    assert (await kit.check(deployment_key=new, app_version="1.0.0")).status_code == 200


async def test_add_rename_remove(kit: CodePushKit) -> None:
    h = kit.owner.headers
    r = await kit.client.post(BASE, json={"name": "Beta"}, headers=h)
    assert r.status_code == 201 and r.json()["channel"] == "codepush-beta"
    assert (await kit.client.post(BASE, json={"name": "beta"}, headers=h)).status_code == 409
    r = await kit.client.post(BASE, json={"name": "bad/name"}, headers=h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_deployment_name"
    r = await kit.client.patch(f"{BASE}/Beta", json={"name": "QA"}, headers=h)
    assert r.status_code == 200 and r.json()["channel"] == "codepush-beta"
    assert (
        await kit.client.patch(f"{BASE}/QA", json={"name": "Staging"}, headers=h)
    ).status_code == 409
    key = (await kit.keys())["QA"]
    await kit.refresh()
    assert (await kit.check(deployment_key=key, app_version="1.0.0")).status_code == 200
    assert (await kit.client.delete(f"{BASE}/QA", headers=h)).status_code == 204
    await kit.refresh()
    assert (await kit.check(deployment_key=key, app_version="1.0.0")).status_code == 404
    assert (await kit.client.delete(f"{BASE}/QA", headers=h)).status_code == 404


async def test_releases_are_tradewind_releases_with_labels(kit: CodePushKit) -> None:
    v1 = await kit.released(BUNDLE, description="first", target_binary="^1.2.0")
    assert (v1["label"], v1["target_binary"], v1["status"]) == ("v1", "^1.2.0", "concluded")
    async with kit.app.ctx.db.sessions() as session:
        release = await session.get(Release, v1["release_id"])
        assert release is not None
        assert (release.channel, release.binary_version_range, release.notes) == (
            "codepush-staging",
            "^1.2.0",
            "first",
        )
        package = await session.get(Package, release.package_id)
        assert package is not None
    r = await kit.client.get("/api/v1/orgs/acme/apps/shop/files", headers=kit.owner.headers)
    assert "CodePush/main.jsbundle" in r.text


async def test_release_errors_leave_nothing_behind(kit: CodePushKit) -> None:
    async def packages() -> int:
        async with kit.app.ctx.db.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(Package)) or 0)

    cases = [
        ({"target_binary": "not a range"}, None, 400, "invalid_binary_version_range"),
        ({"target_binary": None}, None, 400, "invalid_binary_version_range"),
        ({"rollout": 0}, None, 400, "invalid_release_options"),
        ({"rollout": 101}, None, 400, "invalid_release_options"),
        ({"unknown": 1}, None, 400, "invalid_release_options"),
        ({}, b"this is not a zip", 400, None),
        ({}, zip_bytes({"__MACOSX/x": b"1"}), 400, "empty_package"),
    ]
    for options, archive, status, code in cases:
        r = await kit.release(BUNDLE, archive=archive, **options)
        assert r.status_code == status, (options, r.text)
        if code:
            assert r.json()["error"]["code"] == code
    r = await kit.client.post(
        f"{BASE}/Nope/releases",
        headers=kit.owner.headers,
        files={"archive": ("a.zip", zip_bytes(BUNDLE))},
        data={"manifest": '{"target_binary": "1.0.0"}'},
    )
    assert r.status_code == 404
    assert await packages() == 0
    await kit.released(BUNDLE)
    r = await kit.release(BUNDLE)
    assert r.status_code == 409 and r.json()["error"]["code"] == "codepush_identical_release"


async def test_a_new_release_waits_for_an_unfinished_rollout(kit: CodePushKit) -> None:
    await kit.released(BUNDLE)
    await kit.released({**BUNDLE, "a": b"a"}, rollout=10)
    r = await kit.release({**BUNDLE, "a": b"b"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "release_conflict"


async def test_signature_file_is_kept_but_not_hashed(kit: CodePushKit) -> None:
    import io
    import zipfile

    key = await kit.key()
    plain = await kit.released(BUNDLE)
    signed = await kit.released(
        {**BUNDLE, "CodePush/.codepushrelease": b"jwt"}, deployment="Production"
    )
    assert signed["package_hash"] == plain["package_hash"]
    prod = (await kit.keys())["Production"]
    info = await kit.info(deployment_key=prod, app_version="1.0.0")
    r = await kit.client.get(info["download_url"])
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        assert archive.read("CodePush/.codepushrelease") == b"jwt"
    assert key != prod


async def test_promote_and_rollback_make_new_labels(kit: CodePushKit) -> None:
    h = kit.owner.headers
    await kit.released(BUNDLE, description="one")
    two = await kit.released({**BUNDLE, "x": b"2"}, mandatory=True)
    r = await kit.client.post(f"{BASE}/Staging/promote/Production", json={}, headers=h)
    assert r.status_code == 201, r.text
    promoted = r.json()
    assert promoted["label"] == "v1" and promoted["package_hash"] == two["package_hash"]
    assert promoted["mandatory"] is True
    again = await kit.client.post(f"{BASE}/Staging/promote/Production", json={}, headers=h)
    assert again.status_code == 409
    r = await kit.client.post(
        f"{BASE}/Staging/promote/Production",
        json={"target_binary": "^1.0.0", "mandatory": False, "description": "to prod"},
        headers=h,
    )
    assert r.status_code == 201 and r.json()["label"] == "v2" and r.json()["mandatory"] is False
    r = await kit.client.post(f"{BASE}/Staging/rollback", json={}, headers=h)
    assert r.status_code == 201
    rolled = r.json()
    history = await kit.history()
    assert rolled["label"] == "v3" and rolled["package_hash"] == history[0]["package_hash"]
    assert [e["status"] for e in history] == ["superseded", "superseded", "concluded"]
    r = await kit.client.post(f"{BASE}/Staging/rollback", json={"label": "v9"}, headers=h)
    assert r.status_code == 404
    # Production's v1 and v2 hold the same contents: nothing to roll back to.
    r = await kit.client.post(f"{BASE}/Production/rollback", json={"label": "v1"}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "codepush_no_rollback"
    r = await kit.client.post(f"{BASE}/Staging/promote/Staging", json={}, headers=h)
    assert r.status_code == 400


async def test_rollback_needs_an_earlier_release(kit: CodePushKit) -> None:
    r = await kit.client.post(f"{BASE}/Staging/rollback", json={}, headers=kit.owner.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "codepush_no_rollback"


async def test_a_file_with_the_zips_bytes_can_be_deleted_and_the_app_too(kit: CodePushKit) -> None:
    """Zips are blobs of the application: deleting a file that shares one keeps it, and
    deleting the application removes everything (no 500 on either database)."""
    key = await kit.key()
    await kit.released(BUNDLE)
    await kit.released({**BUNDLE, "b": b"b"})
    await kit.build_diffs()
    info = await kit.info(deployment_key=key, app_version="1.0.0")
    zip_bytes_served = (await kit.client.get(info["download_url"])).content
    files = "/api/v1/orgs/acme/apps/shop/files"
    digest = hashlib.sha256(zip_bytes_served).hexdigest()
    r = await kit.client.put(
        f"{files}/copy.zip",
        content=zip_bytes_served,
        headers={**kit.owner.headers, "x-checksum-sha256": digest},
    )
    assert r.status_code in (200, 201), r.text
    r = await kit.client.delete(f"{files}/copy.zip", headers=kit.owner.headers)
    assert r.status_code == 204, r.text
    assert (await kit.client.get(info["download_url"])).status_code == 200
    r = await kit.client.delete("/api/v1/orgs/acme/apps/shop", headers=kit.owner.headers)
    assert r.status_code == 204, r.text
    await kit.refresh()
    assert (await kit.check(deployment_key=key, app_version="1.0.0")).status_code == 404
