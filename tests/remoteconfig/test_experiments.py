"""Experiments through the API and on the device path: variants served by share and sticky,
signals counted per variant, conclusion with one variant, and bad input."""

from __future__ import annotations

import json
from typing import Any

from fixtures.remoteconfig import SCHEMA, put_schema, served_properties
from fixtures.serving import DeviceKit

DEVICES = [f"device-{n}" for n in range(400)]


async def _experiment(kit: DeviceKit, **extra: Any) -> dict[str, Any]:
    assert (await put_schema(kit, SCHEMA)).status_code == 200
    v1 = await kit.package()
    await kit.live(v1)
    v2 = await kit.package()
    variants = [
        {"name": "control", "percentage": 50},
        {
            "name": "treatment",
            "percentage": 50,
            "properties": {"new_checkout": True},
            "package_version": v2,
        },
    ]
    release = await kit.created(config={"properties": {"retries": 1}}, variants=variants, **extra)
    r = await kit.act(release["id"], "ramp", json={"percentage": 100})
    assert r.status_code == 200, r.text
    await kit.refresh()
    return release


async def _served(kit: DeviceKit) -> dict[str, dict[str, Any]]:
    got = {}
    for device in DEVICES:
        r = await kit.check(toss=device)
        assert r.status_code == 200, r.text
        got[device] = r.json()
    return got


async def test_variants_are_served_by_share_with_their_own_config_version(kit: DeviceKit) -> None:
    release = await _experiment(kit)
    ids = {v["name"]: v["release_id"] for v in release["variants"]}
    assert [(v["name"], v["percentage"]) for v in release["variants"]] == [
        ("control", 50),
        ("treatment", 50),
    ]
    served = await _served(kit)
    by_variant = {
        name: [d for d, doc in served.items() if doc["config"]["version"] == str(i)]
        for name, i in ids.items()
    }
    assert sum(map(len, by_variant.values())) == len(DEVICES)
    assert 150 <= len(by_variant["control"]) <= 250
    for device in by_variant["treatment"]:
        doc = served[device]
        assert doc["config"]["properties"] == {
            "new_checkout": True,
            "retries": 1,
            "theme": {"primary": "blue"},
        }
        assert doc["package"]["version"] != served[by_variant["control"][0]]["package"]["version"]
    assert served[by_variant["control"][0]]["config"]["properties"]["new_checkout"] is False
    # Sticky: asking again gives the same variant; the release list hides the variant rows.
    again = await kit.check(toss=by_variant["treatment"][0])
    assert again.json()["config"]["version"] == str(ids["treatment"])
    listed = await kit.client.get(f"{kit.base}/releases", headers=kit.owner.headers)
    assert {r["id"] for r in listed.json()}.isdisjoint(ids.values())
    explained = await kit.explain({}, by_variant["treatment"][0])
    assert (explained["variant"], explained["variant_release_id"]) == (
        "treatment",
        ids["treatment"],
    )
    sources = {p["name"]: (p["source"], p["release_id"]) for p in explained["properties"]}
    assert sources == {
        "new_checkout": ("variant", ids["treatment"]),
        "retries": ("release", release["id"]),
        "theme": ("default", None),
    }


async def test_share_change_moves_only_devices_of_the_shrinking_variant(kit: DeviceKit) -> None:
    release = await _experiment(kit)
    before = {d: doc["config"]["version"] for d, doc in (await _served(kit)).items()}
    r = await kit.client.put(
        f"{kit.base}/releases/{release['id']}/variants",
        json={"percentages": {"control": 20, "treatment": 80}},
        headers=kit.owner.headers,
    )
    assert r.status_code == 200, r.text
    assert [v["percentage"] for v in r.json()["variants"]] == [20, 80]
    await kit.refresh()
    after = {d: doc["config"]["version"] for d, doc in (await _served(kit)).items()}
    treatment = str(r.json()["variants"][1]["release_id"])
    assert all(after[d] == treatment for d, v in before.items() if v == treatment)
    assert sum(1 for v in after.values() if v == treatment) > sum(
        1 for v in before.values() if v == treatment
    )
    for shares, problem in (
        ({"control": 20, "treatment": 70}, "shares_not_100"),
        ({"control": 100}, "variant_names"),
    ):
        r = await kit.client.put(
            f"{kit.base}/releases/{release['id']}/variants",
            json={"percentages": shares},
            headers=kit.owner.headers,
        )
        assert r.status_code == 400 and r.json()["error"]["details"]["problem"] == problem


async def test_signals_per_variant_and_conclusion(kit: DeviceKit) -> None:
    release = await _experiment(kit)
    ids = {v["name"]: v["release_id"] for v in release["variants"]}
    served = await _served(kit)
    key = (await kit.client.get(kit.base, headers=kit.owner.headers)).json()["ingest_key"]
    treatment_device = next(
        d for d, doc in served.items() if doc["config"]["version"] == str(ids["treatment"])
    )
    failure = {
        "org_id": "acme",
        "app_id": "shop",
        "device_id": treatment_device,
        "event_type": "APPLY_FAILURE",
        "release_id": str(ids["treatment"]),
        "target_js_version": "3",
    }
    r = await kit.client.post(
        "/analytics/events", content=json.dumps(failure), headers={"x-ingest-key": key}
    )
    assert r.status_code == 200, r.text
    await kit.app.ctx.signals.flush()
    r = await kit.client.get(
        f"{kit.base}/releases/{release['id']}/variants/report", headers=kit.owner.headers
    )
    assert r.status_code == 200, r.text
    report = {v["name"]: v for v in r.json()}
    served_counts = {
        n: sum(1 for doc in served.values() if doc["config"]["version"] == str(i))
        for n, i in ids.items()
    }
    for name in ids:
        assert report[name]["health"]["checks"] == served_counts[name]
    assert report["treatment"]["health"]["figures"]["install_failures"] == 1
    assert report["control"]["health"]["figures"]["install_failures"] == 0
    # A plain conclude is refused; concluding with a variant makes it the baseline.
    r = await kit.act(release["id"], "conclude")
    assert r.status_code == 409 and r.json()["error"]["code"] == "experiment_running"
    r = await kit.client.post(
        f"{kit.base}/releases/{release['id']}/variants/nope/conclude", headers=kit.owner.headers
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "variant_not_found"
    r = await kit.client.post(
        f"{kit.base}/releases/{release['id']}/variants/treatment/conclude",
        headers=kit.owner.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "concluded" and r.json()["variants"] is None
    await kit.refresh()
    for device in DEVICES[:20]:
        props = await served_properties(kit, toss=device)
        assert props["new_checkout"] is True
    r = await kit.client.get(
        f"{kit.base}/releases/{release['id']}/variants/report", headers=kit.owner.headers
    )
    assert {v["status"] for v in r.json()} == {"retired"}


async def test_bad_experiments_are_refused_and_leave_nothing(kit: DeviceKit) -> None:
    assert (await put_schema(kit, SCHEMA)).status_code == 200
    v1 = await kit.package()
    first = [{"name": "ctl", "percentage": 50}, {"name": "exp", "percentage": 50}]
    r = await kit.create(package_version=v1, variants=first)
    assert r.json()["error"]["details"]["problem"] == "first_release"
    await kit.live(v1)
    cases = [
        ([{"name": "ctl", "percentage": 100}], "wrong_variant_count"),
        ([{"name": "ctl", "percentage": 50}, {"name": "exp", "percentage": 40}], "shares_not_100"),
        ([{"name": "ctl", "percentage": 50}, {"name": "ctl", "percentage": 50}], "duplicate_name"),
        ([{"name": "ctl", "percentage": 100}, {"name": "exp", "percentage": 0}], "empty_share"),
    ]
    for variants, problem in cases:
        r = await kit.create(package_version=v1, variants=variants)
        assert r.status_code == 400, r.text
        assert (r.json()["error"]["code"], r.json()["error"]["details"]["problem"]) == (
            "invalid_variants",
            problem,
        )
    bad_value = [
        {"name": "ctl", "percentage": 50},
        {"name": "exp", "percentage": 50, "properties": {"retries": -2}},
    ]
    r = await kit.create(package_version=v1, variants=bad_value)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_property_value"
    assert (r.json()["error"]["details"]["variant"], r.json()["error"]["details"]["property"]) == (
        "exp",
        "retries",
    )
    missing = [
        {"name": "ctl", "percentage": 50},
        {"name": "exp", "percentage": 50, "package_version": 99},
    ]
    assert (await kit.create(package_version=v1, variants=missing)).status_code == 404
    assert set((await kit.statuses()).values()) == {"concluded"}  # nothing half-made
    r = await kit.client.put(
        f"{kit.base}/releases/1/variants",
        json={"percentages": {"ctl": 100}},
        headers=kit.owner.headers,
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_an_experiment"


async def test_dashboard_shows_the_variants(kit: DeviceKit) -> None:
    from tradewind.dashboard.security import SESSION_COOKIE

    release = await _experiment(kit)
    kit.client.cookies.set(SESSION_COOKIE, kit.owner.token)
    page = await kit.client.get(f"/dashboard/orgs/acme/apps/shop/releases/{release['id']}")
    assert page.status_code == 200
    assert 'id="experiment-variants"' in page.text
    treatment = release["variants"][1]
    assert f"<code>{treatment['release_id']}</code>" in page.text
