"""The explain endpoint: per live release, whether it matched, the bucket, and the winner."""

from __future__ import annotations

import itertools
from typing import Any

from fixtures.releases import ReleaseKit
from fixtures.users import UserFactory

from tradewind.targeting.bucket import bucket


def device(release_id: int, inside: bool, percentage: int) -> str:
    """An identifier whose bucket for this release is inside (or outside) the rollout."""
    for n in itertools.count():
        candidate = f"device-{n}"
        if (bucket(str(release_id), candidate) < percentage * 100) == inside:
            return candidate
    raise AssertionError("unreachable")


async def setup(kit: ReleaseKit) -> dict[str, int]:
    await kit.dimension("os")
    await kit.dimension("country")
    await kit.dimension("app-version", "semver")
    version = await kit.package()
    ids = {}
    ids["base"] = (await kit.created(package_version=version))["id"]
    ios = await kit.created(
        package_version=version, target=[{"dimension": "os", "op": "eq", "values": ["ios"]}]
    )
    await kit.act(ios["id"], "ramp")
    await kit.act(ios["id"], "conclude")
    ids["ios"] = ios["id"]
    india = await kit.created(
        package_version=version,
        target=[{"dimension": "country", "op": "in", "values": ["in", "lk"]}],
    )
    await kit.act(india["id"], "ramp", {"percentage": 50})
    ids["india"] = india["id"]
    new_app = await kit.created(
        package_version=version,
        target=[{"dimension": "app-version", "op": "semver", "values": ["^2.0.0"]}],
    )
    await kit.act(new_app["id"], "ramp", {"percentage": 100})
    await kit.act(new_app["id"], "pause")
    ids["paused"] = new_app["id"]
    return ids


def by_release(explained: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {c["release_id"]: c for c in explained["candidates"]}


async def test_in_rollout_device_gets_the_more_specific_release(kit: ReleaseKit) -> None:
    ids = await setup(kit)
    inside = device(ids["india"], True, 50)
    explained = await kit.explain({"os": "ios", "country": "in", "app-version": "2.1.0"}, inside)
    assert explained["winner"] == ids["india"]
    assert explained["identifier"] == inside
    assert explained["channel"] == "production"
    cands = by_release(explained)
    india = cands[ids["india"]]
    assert (india["matched"], india["in_rollout"], india["applicable"]) == (True, True, True)
    assert india["bucket"] == bucket(str(ids["india"]), inside) < 5000
    assert india["weight"] == 2  # country is at position 1
    assert india["reason"].endswith("winner")
    paused = cands[ids["paused"]]
    assert (paused["matched"], paused["applicable"], paused["weight"]) == (True, False, 4)
    assert "paused" in paused["reason"]
    assert cands[ids["ios"]]["applicable"] is True
    assert cands[ids["ios"]]["bucket"] is None  # concluded: no rollout
    # Precedence order: most specific first.
    assert [c["release_id"] for c in explained["candidates"]] == [
        ids["paused"],
        ids["india"],
        ids["ios"],
        ids["base"],
    ]


async def test_outside_rollout_or_without_identifier_stays_on_baseline(kit: ReleaseKit) -> None:
    ids = await setup(kit)
    outside = device(ids["india"], False, 50)
    context = {"os": "ios", "country": "in"}
    explained = await kit.explain(context, outside)
    assert explained["winner"] == ids["ios"]
    india = by_release(explained)[ids["india"]]
    assert (india["matched"], india["in_rollout"], india["applicable"]) == (True, False, False)
    assert "not in rollout" in india["reason"]
    nobody = await kit.explain(context)
    assert nobody["winner"] == ids["ios"]
    assert nobody["identifier"] is None
    assert by_release(nobody)[ids["india"]]["bucket"] is None
    assert "no identifier" in nobody["reason"]


async def test_failed_conditions_are_named(kit: ReleaseKit) -> None:
    ids = await setup(kit)
    explained = await kit.explain(
        {"os": "android", "app-version": "not-a-version", "unknown-dim": "x"}, "d"
    )
    assert explained["winner"] == ids["base"]
    cands = by_release(explained)
    assert cands[ids["ios"]]["failed_condition"] == {
        "dimension": "os",
        "op": "eq",
        "values": ["ios"],
    }
    assert cands[ids["india"]]["failed_condition"]["dimension"] == "country"
    assert "has no 'country'" in cands[ids["india"]]["reason"]
    assert cands[ids["paused"]]["matched"] is False
    assert cands[ids["base"]]["failed_condition"] is None


async def test_identifier_from_the_application_identifier_dimension(kit: ReleaseKit) -> None:
    ids = await setup(kit)
    r = await kit.client.patch(
        kit.base, json={"identifier_dimension": "device-id"}, headers=kit.owner.headers
    )
    assert r.status_code == 200, r.text
    inside = device(ids["india"], True, 50)
    explained = await kit.explain({"country": "lk", "device-id": inside})
    assert (explained["identifier"], explained["winner"]) == (inside, ids["india"])
    # An explicit identifier (?toss=) takes precedence.
    outside = device(ids["india"], False, 50)
    explained = await kit.explain({"country": "lk", "device-id": inside}, outside)
    assert (explained["identifier"], explained["winner"]) == (outside, ids["base"])
    # Empty values are no identifier, as on the device path.
    explained = await kit.explain({"country": "lk", "device-id": ""}, "")
    assert (explained["identifier"], explained["winner"]) == (None, ids["base"])


async def test_other_channel_and_empty_app(kit: ReleaseKit) -> None:
    explained = await kit.explain({})
    assert explained == {
        "channel": "production",
        "identifier": None,
        "winner": None,
        "reason": "no live release",
        "candidates": [],
        "undefined_keys": [],
        "variant": None,
        "variant_release_id": None,
        "variant_bucket": None,
        "cohorts": {},
        "properties": [],
    }
    await setup(kit)
    r = await kit.client.post(
        f"{kit.base}/releases/explain",
        json={"context": {}, "channel": "beta"},
        headers=kit.owner.headers,
    )
    assert r.json()["candidates"] == [] and r.json()["winner"] is None


async def test_explain_is_for_readers_and_validates_input(
    kit: ReleaseKit, users: UserFactory
) -> None:
    await setup(kit)
    reader = await kit.member(users, "read")
    url = f"{kit.base}/releases/explain"
    r = await kit.client.post(url, json={"context": {"os": "ios"}}, headers=reader.headers)
    assert r.status_code == 200
    for body in [
        {"context": {"os": 1}},
        {"context": ["os"]},
        {"context": {}, "identifier": 5},
        {"context": {}, "channel": "Not A Slug"},
        {"context": {}, "extra": True},
    ]:
        r = await kit.client.post(url, json=body, headers=reader.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_failed"), body
    outsider = await users.create()
    r = await kit.client.post(url, json={"context": {}}, headers=outsider.headers)
    assert r.status_code == 404


async def test_keys_the_application_does_not_define_are_named(kit: ReleaseKit) -> None:
    ids = await setup(kit)
    explained = await kit.explain({"os": "ios", "OS": "ios", "appVersion": "2.1.0", "zz": ""})
    assert explained["undefined_keys"] == ["OS", "appVersion", "zz"]
    assert explained["winner"] == ids["ios"]
    assert (await kit.explain({"os": "ios"}))["undefined_keys"] == []
