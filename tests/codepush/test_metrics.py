"""CodePush update checks in /metrics: by application and HTTP status, under protocol
"codepush"; requests that name no known deployment count for "(unknown)"."""

from __future__ import annotations

from fixtures.codepush import CHECK, CodePushKit
from fixtures.metrics import parse, value

CHECKS = "tradewind_device_checks_total"


async def checks(kit: CodePushKit) -> dict[tuple[str, str], float]:
    answer = await kit.client.get("/metrics")
    assert answer.status_code == 200, answer.text
    samples = parse(answer.text)
    return {
        (application, outcome): value(
            samples, CHECKS, protocol="codepush", application=application, outcome=outcome
        )
        for application in ("acme/shop", "(unknown)")
        for outcome in ("200", "400", "404", "405", "414")
    }


async def test_update_checks_by_application_and_status(kit: CodePushKit) -> None:
    key = await kit.key()
    before = await checks(kit)
    assert (await kit.check(deployment_key=key, app_version="1.0.0")).status_code == 200
    assert (await kit.check(legacy=True, deploymentKey=key, appVersion="1.0.0")).status_code == 200
    assert (await kit.check(deployment_key=key, app_version="abc")).status_code == 400
    unknown = {"deployment_key": "keyThatIsNonExistent", "app_version": "1.0.0"}
    assert (await kit.check(**unknown)).status_code == 404
    assert (await kit.client.post(CHECK)).status_code == 405
    assert (await kit.check(deployment_key="k" * 5000)).status_code == 414
    after = await checks(kit)
    delta = {labels: after[labels] - before[labels] for labels in after}
    assert delta == {
        ("acme/shop", "200"): 2,
        ("acme/shop", "400"): 0,
        ("acme/shop", "404"): 0,
        ("acme/shop", "405"): 0,
        ("acme/shop", "414"): 0,
        ("(unknown)", "200"): 0,
        ("(unknown)", "400"): 1,
        ("(unknown)", "404"): 1,
        ("(unknown)", "405"): 1,
        ("(unknown)", "414"): 1,
    }
