"""POST /analytics/events: Airborne event bodies counted all or none, bad input refused."""

from __future__ import annotations

import json
from typing import Any

from fixtures.serving import DeviceKit, running_app
from fixtures.signals import totals
from httpx import Response

from tradewind.settings import Settings

URL = "/analytics/events"


def event(kind: str, **fields: Any) -> dict[str, Any]:
    return {"org_id": "acme", "app_id": "shop", "device_id": "dev-1", "event_type": kind, **fields}


async def key_of(kit: DeviceKit) -> str:
    r = await kit.client.get(kit.base, headers=kit.owner.headers)
    key: str = r.json()["ingest_key"]
    return key


async def post(kit: DeviceKit, body: Any, key: str | None, **headers: str) -> Response:
    sent = dict(headers)
    if key is not None:
        sent["x-ingest-key"] = key
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await kit.client.post(URL, content=data, headers=sent)


async def counted(kit: DeviceKit) -> dict[tuple[str, int, str], int]:
    await kit.app.ctx.signals.flush()
    return await totals(kit.app.ctx.db, kit.app_id)


async def test_events_single_and_batched_are_counted(kit: DeviceKit) -> None:
    release = await kit.live(await kit.package())
    key = await key_of(kit)
    rid = str(release)
    r = await post(kit, event("APPLY_SUCCESS", release_id=rid, target_js_version="2"), key)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "success"
    batch = [
        event("DOWNLOAD_COMPLETED", release_id=rid, target_js_version="2", download_time_ms=900),
        event("DOWNLOAD_FAILED", release_id=release, current_js_version="1", error_code="E1"),
        event("APPLY_FAILURE", release_id=rid, current_js_version="1", target_js_version="2"),
        event("ROLLBACK_INITIATED", release_id=rid, current_js_version="2"),
        event("UPDATE_CHECK", current_js_version="1"),  # accepted, counted from the check
        event("DOWNLOAD_PROGRESS", release_id=rid, extra_field_from_a_newer_sdk=1),
    ]
    r = await post(kit, batch, key)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 6
    assert r.json()["counted"] == 4
    r = await post(kit, {"events": [event("APPLY_SUCCESS", release_id=rid)]}, key)
    assert r.status_code == 200, r.text
    assert await counted(kit) == {
        ("install_succeeded", release, "2"): 1,
        ("download_completed", release, "2"): 1,
        ("download_failed", release, "1"): 1,
        ("install_failed", release, "2"): 1,
        ("rollback", release, "2"): 1,
        ("install_succeeded", release, ""): 1,
    }


async def test_a_bad_event_refuses_the_whole_batch(kit: DeviceKit) -> None:
    release = await kit.live(await kit.package())
    key = await key_of(kit)
    good = event("APPLY_SUCCESS", release_id=str(release))
    cases: list[tuple[Any, int, str]] = [
        ([good, event("APPLY_SUCCESS", download_time_ms=-1)], 422, "invalid_event"),
        ([good, event("APPLY_FAILURE", error_message="x" * 2_000_000)], 413, "batch_too_large"),
        ([good, event("APPLY_FAILURE", error_message="x" * 1_000_000)], 422, "invalid_event"),
        ([good, event("NOT_A_TYPE")], 422, "invalid_event"),
        ([good, event("APPLY_SUCCESS", device_id="")], 422, "invalid_event"),
        ([good, {"event_type": "APPLY_SUCCESS"}], 422, "invalid_event"),
        ([good, event("APPLY_SUCCESS", download_time_ms="fast")], 422, "invalid_event"),
        ([good, event("APPLY_SUCCESS", rollout_percentage=101)], 422, "invalid_event"),
        ([good, event("APPLY_SUCCESS", target_js_version="1\u0000")], 422, "invalid_event"),
        ([good, event("APPLY_SUCCESS", release_id="999999")], 422, "unknown_release"),
        ([good, event("APPLY_SUCCESS", release_id="abc")], 422, "unknown_release"),
        ([good, event("APPLY_SUCCESS", release_id=-3)], 422, "unknown_release"),
        ([good, {**good, "app_id": "nope"}], 422, "unknown_application"),
        ([good, {**good, "org_id": "other"}], 422, "unknown_application"),
        ([], 422, "invalid_event"),
        ("just a string", 422, "invalid_event"),
        (b"{not json", 400, "malformed_json"),
    ]
    for body, status, code in cases:
        r = await post(kit, body, key)
        assert r.status_code == status, (body if len(str(body)) < 300 else code, r.text)
        assert r.json()["error"]["code"] == code
    r = await post(kit, [good, event("APPLY_SUCCESS", download_time_ms=-1)], key)
    assert r.json()["error"]["details"]["errors"][0]["index"] == 1
    assert await counted(kit) == {}


async def test_the_ingest_key_is_required_unless_keyless(kit: DeviceKit) -> None:
    await kit.refresh()
    key = await key_of(kit)
    for sent in (None, "", "twi_wrong", key + "x"):
        r = await post(kit, event("APPLY_SUCCESS"), sent)
        assert r.status_code == 401, sent
        assert r.json()["error"]["code"] == "invalid_ingest_key"
    r = await kit.client.patch(kit.base, json={"ingest_keyless": True}, headers=kit.owner.headers)
    assert r.status_code == 200
    await kit.refresh()
    assert (await post(kit, event("APPLY_SUCCESS"), None)).status_code == 200
    assert await counted(kit) == {("install_succeeded", 0, ""): 1}


async def test_oversized_batches_are_refused_whole(kit: DeviceKit, settings: Settings) -> None:
    await kit.refresh()
    key = await key_of(kit)
    limit = settings.ingest_max_events
    r = await post(kit, [event("APPLY_SUCCESS")] * (limit + 1), key)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "batch_too_large"
    assert (await post(kit, [event("APPLY_SUCCESS")] * limit, key)).status_code == 200
    assert await counted(kit) == {("install_succeeded", 0, ""): limit}


async def test_a_flooding_client_is_rate_limited(kit: DeviceKit, settings: Settings) -> None:
    await kit.live(await kit.package())
    key = await key_of(kit)
    # A refill every ~17 minutes: the test cannot be slow enough to see one.
    strict = settings.model_copy(update={"ingest_rate_per_second": 0.001, "ingest_rate_burst": 5})
    async with running_app(strict) as (other, http):
        headers = {"x-ingest-key": key}
        statuses = [
            (await http.post(URL, json=event("DOWNLOAD_STARTED"), headers=headers)).status_code
            for _ in range(8)
        ]
        assert statuses == [200] * 5 + [429] * 3
        r = await http.post(URL, json=event("DOWNLOAD_STARTED"), headers=headers)
        assert r.json()["error"]["code"] == "rate_limited"
        assert int(r.headers["retry-after"]) >= 1
        await other.ctx.signals.flush()
    assert await totals(kit.app.ctx.db, kit.app_id) == {("download_started", 0, ""): 5}


async def test_behind_a_proxy_the_limit_is_per_forwarded_address(
    kit: DeviceKit, settings: Settings
) -> None:
    await kit.live(await kit.package())
    proxied = settings.model_copy(
        update={
            "ingest_client_address_header": "x-forwarded-for",
            "ingest_rate_burst": 3,
            "ingest_rate_per_second": 0.001,
        }
    )
    async with running_app(proxied) as (_, http):
        key = (await http.get(kit.base, headers=kit.owner.headers)).json()["ingest_key"]

        async def post_as(address: str) -> int:
            headers = {"x-ingest-key": key, "x-forwarded-for": f"10.9.9.9, {address}"}
            r = await http.post(URL, json=event("DOWNLOAD_STARTED"), headers=headers)
            return r.status_code

        assert [await post_as("10.0.0.1") for _ in range(4)] == [200, 200, 200, 429]
        assert await post_as("10.0.0.2") == 200  # another device behind the same proxy


async def test_the_body_is_described_in_openapi(kit: DeviceKit) -> None:
    document = (await kit.client.get("/openapi.json")).json()
    operation = document["paths"]["/analytics/events"]["post"]
    shapes = operation["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert "APPLY_FAILURE" in shapes[0]["properties"]["event_type"]["enum"]
    assert {"401", "413", "422", "429"} <= set(operation["responses"])
