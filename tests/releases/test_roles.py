"""Who may do what with releases: read lists, shows and explains; write changes."""

from __future__ import annotations

from fixtures.releases import ReleaseKit
from fixtures.users import UserFactory


async def test_reader_reads_writer_writes(kit: ReleaseKit, users: UserFactory) -> None:
    version = await kit.package()
    base = await kit.created(package_version=version)
    draft = await kit.created(package_version=version, channel="production", notes="n")
    reader = await kit.member(users, "read")
    writer = await kit.member(users, "write")
    releases = f"{kit.base}/releases"
    assert (await kit.client.get(releases, headers=reader.headers)).status_code == 200
    assert (await kit.client.get(f"{releases}/{base['id']}", headers=reader.headers)).is_success
    refused = [
        kit.client.post(releases, json={"package_version": version}, headers=reader.headers),
        kit.client.patch(f"{releases}/{draft['id']}", json={}, headers=reader.headers),
        *(
            kit.client.post(f"{releases}/{draft['id']}/{action}", headers=reader.headers)
            for action in ["ramp", "pause", "resume", "conclude", "discard", "retire"]
        ),
        kit.client.post(f"{releases}/{base['id']}/rollback", headers=reader.headers),
    ]
    for call in refused:
        r = await call
        assert (r.status_code, r.json()["error"]["code"]) == (403, "insufficient_role")
    assert (await kit.show(draft["id"]))["status"] == "created"
    for action in ["ramp", "pause", "resume", "conclude"]:
        r = await kit.act(draft["id"], action, headers=writer.headers)
        assert r.status_code == 200, r.text
    r = await kit.act(base["id"], "rollback", headers=writer.headers)
    assert r.status_code == 201
    assert r.json()["created_by"] == writer.email
    history = (await kit.show(draft["id"]))["history"]
    assert [h["actor"] for h in history] == [kit.owner.email] + [writer.email] * 4 + [
        writer.email  # superseded by the rollback
    ]
    outsider = await users.create()
    r = await kit.client.get(releases, headers=outsider.headers)
    assert r.status_code == 404


async def test_list_filters_and_pages(kit: ReleaseKit) -> None:
    version = await kit.package()
    base = await kit.created(package_version=version)
    beta = await kit.created(package_version=version, channel="beta")
    draft = await kit.created(package_version=version)
    url = f"{kit.base}/releases"

    async def ids(query: str) -> list[int]:
        r = await kit.client.get(f"{url}?{query}", headers=kit.owner.headers)
        assert r.status_code == 200, r.text
        return [item["id"] for item in r.json()]

    assert await ids("") == [draft["id"], beta["id"], base["id"]]
    assert await ids("status=created") == [draft["id"]]
    assert await ids("status=created&status=concluded") == [draft["id"], beta["id"], base["id"]]
    assert await ids("channel=beta") == [beta["id"]]
    assert await ids("limit=1") == [draft["id"]]
    assert await ids(f"limit=1&before={draft['id']}") == [beta["id"]]
    r = await kit.client.get(f"{url}?status=bogus", headers=kit.owner.headers)
    assert r.status_code == 422
    r = await kit.client.get(f"{url}?limit=0", headers=kit.owner.headers)
    assert r.status_code == 422
