"""The device endpoints in process: validation before lookup, both casings, from memory only,
report_status into the signal pipeline, floods bounded."""

from __future__ import annotations

import json

import pytest
from fixtures.codepush import CHECK, LEGACY_CHECK, CodePushKit
from fixtures.database import counted_statements
from fixtures.serving import running_app

from tradewind.signals.model import Metric

BUNDLE = {"CodePush/index.android.bundle": b"console.log(1)"}
DEPLOY = "/v0.1/public/codepush/report_status/deploy"
DOWNLOAD = "/v0.1/public/codepush/report_status/download"
MODERN = {"x-codepush-sdk-version": "4.2.3"}


async def test_validation_comes_before_any_lookup(kit: CodePushKit) -> None:
    key = await kit.key()
    cases = [
        ({}, 400, "invalid_deployment_key"),
        ({"app_version": "1.0.0"}, 400, "invalid_deployment_key"),
        (
            {"deployment_key": "keywith%character", "app_version": "1.0.0"},
            400,
            "invalid_deployment_key",
        ),
        ({"deployment_key": "short", "app_version": "1.0.0"}, 400, "invalid_deployment_key"),
        ({"deployment_key": "k" * 101, "app_version": "1.0.0"}, 400, "invalid_deployment_key"),
        ({"deployment_key": key}, 400, "invalid_app_version"),
        ({"deployment_key": key, "app_version": "abc"}, 400, "invalid_app_version"),
        ({"deployment_key": "x" * 40, "app_version": "abc"}, 400, "invalid_app_version"),
        (
            {"deployment_key": "keyThatIsNonExistent", "app_version": "1.0.0"},
            404,
            "deployment_not_found",
        ),
    ]
    for params, status, code in cases:
        r = await kit.check(**params)
        assert (r.status_code, r.headers["x-tradewind-error"]) == (status, code), params
        assert r.headers["content-type"].startswith("text/plain")
    r = await kit.client.get(
        CHECK + "?deployment_key=" + key + "&app_version=1.0.0&x=" + "a" * 5000
    )
    assert r.status_code == 414
    r = await kit.client.post(CHECK, params={"deployment_key": key, "app_version": "1.0.0"})
    assert r.status_code == 405


async def test_404_does_not_reveal_other_apps(kit: CodePushKit) -> None:
    """A key of another application's deployment and a made-up key answer alike."""
    made_up = await kit.check(deployment_key="A" * 40, app_version="1.0.0")
    assert made_up.status_code == 404 and made_up.text.startswith("deployment_not_found")


async def test_key_whitespace_and_both_casings(kit: CodePushKit) -> None:
    key = await kit.key()
    await kit.released(BUNDLE)
    r = await kit.check(deployment_key=f"\r\n{key}\r\n", app_version="1.0")
    info = r.json()["update_info"]
    assert info["is_available"] is True and info["app_version"] == "1.0"
    assert info["target_binary_range"] == "1.0"
    legacy = await kit.check(legacy=True, deploymentKey=key, appVersion="1", packageHash="")
    body = legacy.json()["updateInfo"]
    assert body["isAvailable"] is True and body["downloadURL"] == info["download_url"]
    assert body["appVersion"] == "1" and body["packageSize"] == info["package_size"]
    empty = await kit.check(deployment_key=key, app_version="1.0.0", package_hash="", label="")
    assert empty.json()["update_info"]["is_available"] is True


async def test_no_database_query_per_check_or_report(kit: CodePushKit) -> None:
    key = await kit.key()
    await kit.released(BUNDLE)
    await kit.released({**BUNDLE, "b.txt": b"b"}, rollout=50)
    quiet = kit.app.ctx.settings.model_copy(update={"snapshot_poll_interval_seconds": 60})
    async with running_app(quiet) as (other, http):
        with counted_statements(other.ctx.db) as statements:
            for n in range(40):
                params = {
                    "deployment_key": key,
                    "app_version": f"1.0.{n % 3}",
                    "client_unique_id": f"d{n}",
                }
                assert (await http.get(CHECK, params=params)).status_code == 200
                assert (
                    await http.get(
                        LEGACY_CHECK, params={"deploymentKey": key, "appVersion": "1.0.0"}
                    )
                ).status_code == 200
            body = {
                "deployment_key": key,
                "app_version": "1.0.0",
                "label": "v2",
                "status": "DeploymentSucceeded",
            }
            assert (await http.post(DEPLOY, json=body, headers=MODERN)).status_code == 200
            assert (
                await http.post(DOWNLOAD, json={"deployment_key": key, "label": "v2"})
            ).status_code == 200
            assert (
                await http.get(CHECK, params={"deployment_key": "Z" * 40, "app_version": "1.0.0"})
            ).status_code == 404
        assert statements == []


async def test_rollout_and_pause_through_the_release_model(kit: CodePushKit) -> None:
    key = await kit.key()
    await kit.released(BUNDLE)
    v2 = await kit.released({**BUNDLE, "b.txt": b"b"}, rollout=50)
    labels = set()
    for n in range(40):
        info = await kit.info(deployment_key=key, app_version="1.0.0", client_unique_id=f"d{n}")
        labels.add(info["label"])
    assert labels == {"v1", "v2"}
    # Pausing the Tradewind release disables the CodePush release; concluding finishes it.
    base = f"/api/v1/orgs/acme/apps/shop/releases/{v2['release_id']}"
    assert (await kit.client.post(f"{base}/pause", headers=kit.owner.headers)).status_code == 200
    await kit.refresh()
    info = await kit.info(deployment_key=key, app_version="1.0.0", client_unique_id="d1")
    assert info["label"] == "v1"
    history = await kit.history()
    assert history[1]["disabled"] is True
    assert (await kit.client.post(f"{base}/resume", headers=kit.owner.headers)).status_code == 200
    assert (await kit.client.post(f"{base}/conclude", headers=kit.owner.headers)).status_code == 200
    await kit.refresh()
    for n in range(10):
        info = await kit.info(deployment_key=key, app_version="1.0.0", client_unique_id=f"d{n}")
        assert info["label"] == "v2"


async def test_reports_feed_the_signal_pipeline(kit: CodePushKit) -> None:
    key = await kit.key()
    v1 = await kit.released(BUNDLE)
    base = {"deployment_key": key, "app_version": "1.0.0", "client_unique_id": "dev-1"}
    ok = await kit.client.post(
        DEPLOY, json={**base, "label": "v1", "status": "DeploymentFailed"}, headers=MODERN
    )
    assert ok.status_code == 200 and ok.text == "OK"
    legacy = "/reportStatus/deploy"
    camel = {
        "deploymentKey": key,
        "appVersion": "1.0.0",
        "clientUniqueId": "dev-2",
        "label": "v1",
        "status": "DeploymentSucceeded",
    }
    assert (await kit.client.post(legacy, json=camel)).status_code == 200
    assert (
        await kit.client.post("/reportStatus/download", json={"deploymentKey": key, "label": "v1"})
    ).status_code == 200
    held = kit.app.ctx.signals.held()
    by_metric = {(k[2], k[3], k[4]): n for k, n in held.items()}
    release_id = v1["release_id"]
    assert by_metric[(Metric.INSTALL_FAILED.value, release_id, "v1")] == 1
    assert by_metric[(Metric.INSTALL_SUCCEEDED.value, release_id, "v1")] == 1
    assert by_metric[(Metric.DOWNLOAD_COMPLETED.value, release_id, "v1")] == 1
    await kit.app.ctx.signals.flush()
    r = await kit.client.get(
        "/api/v1/orgs/acme/apps/shop/codepush/deployments/Staging/metrics",
        headers=kit.owner.headers,
    )
    assert r.json()["metrics"]["v1"] == {"active": 1, "downloaded": 1, "installed": 1, "failed": 1}


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        (DEPLOY, b"{not json", "malformed_json"),
        (DEPLOY, b"[1, 2]", "malformed_json"),
        (DEPLOY, json.dumps({"app_version": "1.0.0"}).encode(), "invalid_report"),
        (DEPLOY, json.dumps({"deployment_key": "K" * 40}).encode(), "invalid_report"),
        (
            DEPLOY,
            json.dumps({"deployment_key": "K" * 40, "app_version": "1", "label": "v1"}).encode(),
            "invalid_report",
        ),
        (
            DEPLOY,
            json.dumps(
                {"deployment_key": "K" * 40, "app_version": "1", "label": "v1", "status": "Nope"}
            ).encode(),
            "invalid_report",
        ),
        (DEPLOY, json.dumps({"deployment_key": 5, "app_version": "1"}).encode(), "invalid_report"),
        (DOWNLOAD, b"", "malformed_json"),
        (DOWNLOAD, json.dumps({"deployment_key": "K" * 40}).encode(), "invalid_report"),
        (DOWNLOAD, json.dumps({"label": "v1"}).encode(), "invalid_report"),
    ],
)
async def test_bad_reports_are_400(kit: CodePushKit, path: str, body: bytes, code: str) -> None:
    r = await kit.client.post(
        path, content=body, headers={**MODERN, "content-type": "application/json"}
    )
    assert (r.status_code, r.headers["x-tradewind-error"]) == (400, code)


async def test_old_sdks_must_send_a_client_id_and_unknown_keys_are_404(kit: CodePushKit) -> None:
    key = await kit.key()
    body = {"deployment_key": key, "app_version": "1.0.0"}
    r = await kit.client.post(DEPLOY, json=body, headers={"x-codepush-sdk-version": "1.5.1-beta"})
    assert r.status_code == 400
    assert (
        await kit.client.post(DEPLOY, json={**body, "client_unique_id": "c"})
    ).status_code == 200
    unknown = {"deployment_key": "Q" * 40, "app_version": "1.0.0"}
    assert (await kit.client.post(DEPLOY, json=unknown, headers=MODERN)).status_code == 404
    assert (await kit.client.get(DEPLOY)).status_code == 405
    assert (await kit.client.get("/v0.1/public/codepush/nothing")).status_code == 404


async def test_report_floods_are_bounded(kit: CodePushKit) -> None:
    key = await kit.key()
    body = {"deployment_key": key, "label": "v1"}
    big = await kit.client.post(DOWNLOAD, content=b"{" + b" " * 20000 + b"}")
    assert big.status_code == 413
    # A burst of 5 and (practically) no refill: the limit does not depend on timing.
    limits = kit.app.ctx.codepush_reports
    limits.rate, limits.burst = 1e-6, 5.0
    statuses = [(await kit.client.post(DOWNLOAD, json=body)).status_code for _ in range(12)]
    assert statuses == [200] * 5 + [429] * 7
    limited = await kit.client.post(DEPLOY, json=body)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.headers["x-tradewind-error"] == "rate_limited"


async def test_rate_limit_uses_the_proxy_header_when_configured(kit: CodePushKit) -> None:
    from tradewind.codepush.reports import _client_address

    scope = {"headers": [(b"x-forwarded-for", b"1.2.3.4, 10.0.0.1")], "client": ("9.9.9.9", 1)}
    assert _client_address(scope, b"x-forwarded-for") == "10.0.0.1"
    assert _client_address(scope, b"") == "9.9.9.9"
