"""Cohort dimensions through the API and on the device path: the device sends only the base
dimension, the snapshot computes the cohort, targets name cohorts."""

from __future__ import annotations

from fixtures.remoteconfig import SCHEMA, put_cohorts, put_schema, served_properties
from fixtures.serving import DeviceKit, android, ios

VERSION_COHORTS = [
    {"name": "v3_and_above", "at_least": "3.0.0"},
    {"name": "v2", "at_least": "2.0.0"},
    {"name": "internal", "members": ["1.0.0-internal", "0.9.9"]},
]


async def _setup(kit: DeviceKit) -> None:
    await kit.dimension("app_version", "semver", position=0)
    r = await put_cohorts(
        kit, "version_cohort", base_dimension="app_version", cohorts=VERSION_COHORTS
    )
    assert r.status_code == 200, r.text


async def test_put_creates_the_dimension_and_appends_otherwise(kit: DeviceKit) -> None:
    await _setup(kit)
    r = await kit.client.get(f"{kit.base}/cohorts/version_cohort", headers=kit.owner.headers)
    assert [c["name"] for c in r.json()["cohorts"]] == [
        "v3_and_above",
        "v2",
        "internal",
        "otherwise",
    ]
    dims = await kit.client.get(f"{kit.base}/dimensions", headers=kit.owner.headers)
    assert {d["name"]: d["type"] for d in dims.json()} == {
        "app_version": "semver",
        "version_cohort": "string",
    }
    listed = await kit.client.get(f"{kit.base}/cohorts", headers=kit.owner.headers)
    assert [c["name"] for c in listed.json()] == ["version_cohort"]


async def test_config_only_release_flips_a_flag_for_v3_devices(kit: DeviceKit) -> None:
    """The issue's scenario: schema with defaults, a config-only release for >= 3.0.0."""
    assert (await put_schema(kit, SCHEMA)).status_code == 200
    await _setup(kit)
    v1 = await kit.package()
    base = await kit.live(v1)
    target = [{"dimension": "version_cohort", "op": "eq", "values": ["v3_and_above"]}]
    flip = await kit.created(target=target, config={"properties": {"new_checkout": True}})
    assert flip["package"]["version"] == v1  # config-only: the package its audience has
    assert (await kit.act(flip["id"], "ramp", json={"percentage": 100})).status_code == 200
    assert (await kit.act(flip["id"], "conclude")).status_code == 200
    await kit.refresh()
    for spelling in (android, ios):
        new = await kit.check(dimensions=spelling({"app_version": "3.2.0"}))
        assert new.json()["config"]["version"] == str(flip["id"])
        assert new.json()["config"]["properties"]["new_checkout"] is True
        assert new.json()["package"]["version"] == str(v1)
        assert new.json()["config"]["properties"]["retries"] == 3  # default still there
    old = await served_properties(kit, android({"app_version": "2.9.9"}))
    assert old["new_checkout"] is False
    # A device cannot claim a cohort: the server computes it from app_version.
    cheat = await kit.check(dimensions="app_version=1.0.0;version_cohort=v3_and_above")
    assert cheat.json()["config"]["version"] == str(base)
    # A second config-only change of that audience, ramped, then rolled back to the first.
    second = await kit.created(target=target, config={"properties": {"retries": 5}})
    assert (await kit.act(second["id"], "ramp", json={"percentage": 50})).status_code == 200
    await kit.refresh()
    devices = [f"d{n}" for n in range(200)]
    got = [(await served_properties(kit, "app_version=3.0.0", toss=d))["retries"] for d in devices]
    assert set(got) == {3, 5}  # in the rollout: 5, the others: the first flip (default 3)
    assert (await kit.act(second["id"], "conclude")).status_code == 200
    r = await kit.act(flip["id"], "rollback")
    assert r.status_code == 201, r.text
    await kit.refresh()
    back = await served_properties(kit, "app_version=3.0.0")
    assert back == {"new_checkout": True, "retries": 3, "theme": {"primary": "blue"}}


async def test_explain_names_cohort_release_and_property_sources(kit: DeviceKit) -> None:
    assert (await put_schema(kit, SCHEMA)).status_code == 200
    await _setup(kit)
    await kit.live(await kit.package())
    target = [{"dimension": "version_cohort", "op": "in", "values": ["v2", "v3_and_above"]}]
    flip = await kit.created(target=target, config={"properties": {"retries": 9}})
    await kit.act(flip["id"], "ramp", json={"percentage": 100})
    await kit.act(flip["id"], "conclude")
    out = await kit.explain({"app_version": "2.1.0"})
    assert out["cohorts"] == {"version_cohort": "v2"}
    assert out["winner"] == flip["id"]
    sources = {p["name"]: (p["source"], p["release_id"], p["value"]) for p in out["properties"]}
    assert sources == {
        "new_checkout": ("default", None, False),
        "retries": ("release", flip["id"], 9),
        "theme": ("default", None, {"primary": "blue"}),
    }
    assert (await kit.explain({"app_version": "0.9.9"}))["cohorts"] == {
        "version_cohort": "internal"
    }
    assert (await kit.explain({}))["cohorts"] == {"version_cohort": "otherwise"}


async def test_bad_cohort_definitions_are_400(kit: DeviceKit) -> None:
    await kit.dimension("app_version", "semver", position=0)
    await kit.dimension("device", position=1)
    cases = [
        (
            "app_version",
            [{"name": "a", "at_least": "2.0.0"}, {"name": "b", "at_least": "3.0.0"}],
            "overlap",
        ),
        (
            "app_version",
            [{"name": "a", "at_least": "2.0.0"}, {"name": "b", "members": ["2.5.0"]}],
            "overlap",
        ),
        (
            "device",
            [{"name": "a", "members": ["x"]}, {"name": "b", "members": ["x", "y"]}],
            "overlap",
        ),
        ("device", [{"name": "a", "at_least": "1.0.0"}], "checkpoint_on_string_dimension"),
        ("app_version", [{"name": "a", "at_least": "v1"}], "malformed_version"),
        (
            "app_version",
            [{"name": "a", "members": ["x"]}, {"name": "a", "members": ["y"]}],
            "duplicate_name",
        ),
        (
            "app_version",
            [{"name": "o", "otherwise": True}, {"name": "a", "members": ["y"]}],
            "otherwise_not_last",
        ),
        ("app_version", [{"name": "a", "members": ["x"], "at_least": "1.0.0"}], "invalid_kind"),
        ("app_version", [{"name": "a"}], "invalid_kind"),
        ("nope", [{"name": "a", "members": ["x"]}], "unknown_dimension"),
        ("cohort", [{"name": "a", "members": ["x"]}], "base_is_self"),
    ]
    for base, cohorts, problem in cases:
        r = await put_cohorts(kit, "cohort", base_dimension=base, cohorts=cohorts)
        assert r.status_code == 400, (problem, r.text)
        assert r.json()["error"]["code"] == "invalid_cohorts"
        assert r.json()["error"]["details"]["problem"] == problem, r.text
    dims = await kit.client.get(f"{kit.base}/dimensions", headers=kit.owner.headers)
    assert [d["name"] for d in dims.json()] == ["app_version", "device"]  # nothing half-made
    r = await put_cohorts(
        kit, "device", base_dimension="app_version", cohorts=[{"name": "a", "otherwise": True}]
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "dimension_exists"
    ok = await put_cohorts(
        kit, "c1", base_dimension="device", cohorts=[{"name": "a", "members": ["x"]}]
    )
    assert ok.status_code == 200
    r = await put_cohorts(kit, "c2", base_dimension="c1", cohorts=[{"name": "a", "members": ["x"]}])
    assert r.json()["error"]["details"]["problem"] == "base_is_cohort"


async def test_targets_must_name_cohorts_and_targeted_cohorts_stay(kit: DeviceKit) -> None:
    await _setup(kit)
    v1 = await kit.package()
    await kit.live(v1)
    typo = [{"dimension": "version_cohort", "op": "eq", "values": ["v3_and_abvoe"]}]
    r = await kit.create(package_version=v1, target=typo)
    assert r.status_code == 400
    assert r.json()["error"]["details"]["problem"] == "unknown_cohort"
    target = [{"dimension": "version_cohort", "op": "eq", "values": ["v2"]}]
    release = await kit.created(package_version=v1, target=target)
    r = await put_cohorts(
        kit, "version_cohort", base_dimension="app_version", cohorts=VERSION_COHORTS[:1]
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "cohort_in_use"
    assert r.json()["error"]["details"]["release_ids"] == [release["id"]]
    r = await kit.client.delete(f"{kit.base}/dimensions/app_version", headers=kit.owner.headers)
    assert r.status_code == 409 and r.json()["error"]["details"]["cohort_dimensions"] == [
        "version_cohort"
    ]
    r = await kit.client.delete(f"{kit.base}/cohorts/version_cohort", headers=kit.owner.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "dimension_in_use"
    assert (await kit.act(release["id"], "discard")).status_code == 200
    r = await kit.client.delete(f"{kit.base}/cohorts/version_cohort", headers=kit.owner.headers)
    assert r.status_code == 204
    r = await kit.client.get(f"{kit.base}/cohorts/version_cohort", headers=kit.owner.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "cohort_dimension_not_found"
    dims = await kit.client.get(f"{kit.base}/dimensions", headers=kit.owner.headers)
    assert [d["name"] for d in dims.json()] == ["app_version"]


async def test_config_only_without_baseline_is_400(kit: DeviceKit) -> None:
    r = await kit.create(config={"properties": {}})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "no_baseline_package"
