"""load_live_state: what the device path builds its snapshot from."""

from __future__ import annotations

from fixtures.releases import ReleaseKit

from tradewind.releases.live import load_live_state


async def test_live_state_holds_live_releases_with_their_files(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    await kit.dimension("country")
    await kit.file("config.json")
    v1 = await kit.package(important=("a.js", "b.js"), lazy=("img/x.png",), properties={"p": 1})
    base = await kit.created(package_version=v1, resources=["config.json"])
    ios = await kit.created(
        package_version=v1,
        target=[{"dimension": "os", "op": "eq", "values": ["ios"]}],
        package_properties={"own": True},
    )
    await kit.act(ios["id"], "ramp", {"percentage": 12.5})
    paused = await kit.created(
        package_version=v1, target=[{"dimension": "country", "op": "eq", "values": ["in"]}]
    )
    await kit.act(paused["id"], "ramp")
    await kit.act(paused["id"], "pause")
    draft = await kit.created(
        package_version=v1, target=[{"dimension": "os", "op": "eq", "values": ["android"]}]
    )
    gone = await kit.created(
        package_version=v1,
        channel="production",
        target=[{"dimension": "country", "op": "eq", "values": ["lk"]}],
    )
    await kit.act(gone["id"], "discard")
    beta = await kit.created(package_version=v1, channel="beta")
    revision = await kit.revision()

    async with kit.app.ctx.db.unit_of_work() as session:
        state = await load_live_state(session, kit.app_id)

    assert state.app_id == kit.app_id
    assert state.revision == revision
    assert state.identifier_dimension is None
    assert state.positions == {"os": 0, "country": 1}
    assert set(state.releases) == {base["id"], ios["id"], paused["id"], beta["id"]}
    assert draft["id"] not in state.releases and gone["id"] not in state.releases
    assert state.channels() == {"production", "beta"}

    live = state.releases[base["id"]]
    assert live.config_version == str(base["id"])
    assert live.release.package_properties == {"p": 1}
    assert live.package.version == v1
    assert live.package.index.path == "index.android.bundle"
    assert [f.path for f in live.package.important] == ["a.js", "b.js"]
    assert [f.path for f in live.package.lazy] == ["img/x.png"]
    assert [f.path for f in live.resources] == ["config.json"]
    resource = live.resources[0]
    assert resource.storage_key == f"apps/{kit.app_id}/sha256/{resource.sha256}"
    assert resource.size == len(b"content of config.json")

    ramping = state.releases[ios["id"]]
    assert ramping.release.package_properties == {"own": True}
    assert (ramping.candidate.status, ramping.candidate.rollout_bp) == ("in_progress", 1250)
    assert ramping.candidate.key == str(ios["id"])
    assert [c.dimension for c in ramping.candidate.conditions] == ["os"]
    # In-progress and paused releases rank above every concluded one.
    concluded_orders = [state.releases[i].candidate.order for i in (base["id"], beta["id"])]
    ramping_orders = [state.releases[i].candidate.order for i in (ios["id"], paused["id"])]
    assert max(concluded_orders) < min(ramping_orders)

    production = state.resolver("production")
    assert production.resolve({"os": "android"}, None).release_id == base["id"]  # type: ignore[union-attr]
    assert state.resolver("beta").resolve({}, None).release_id == beta["id"]  # type: ignore[union-attr]
    assert state.resolver("nightly").resolve({}, None) is None


async def test_newest_concluded_release_wins_ties(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    await kit.dimension("country")
    v1 = await kit.package()
    await kit.created(package_version=v1)
    ids = []
    for target in [
        [{"dimension": "os", "op": "eq", "values": ["ios"]}],
        [{"dimension": "os", "op": "in", "values": ["ios", "android"]}],
    ]:
        release = await kit.created(package_version=v1, target=target)
        await kit.act(release["id"], "ramp")
        await kit.act(release["id"], "conclude")
        ids.append(release["id"])
    assert (await kit.explain({"os": "ios"}))["winner"] == ids[1]
    # Rolling back the older one makes it (as a new release) the most recently concluded.
    rolled = (await kit.act(ids[0], "rollback")).json()
    assert (await kit.explain({"os": "ios"}))["winner"] == rolled["id"]
    explained = await kit.explain({"os": "ios"})
    assert "most recently concluded" in explained["reason"]
