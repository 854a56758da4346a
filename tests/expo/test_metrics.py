"""Expo manifest requests (the device's update check) in /metrics: by application and HTTP
status, under protocol "expo"; unknown applications count for "(unknown)"; bundle downloads
are not update checks and are not counted."""

from __future__ import annotations

from pathlib import Path

from fixtures.expo import MANIFEST, ExpoKit, expo_headers, js_bundle, write_export
from fixtures.expo_client import read_answer
from fixtures.metrics import parse, value

CHECKS = "tradewind_device_checks_total"
LABELS = [
    (application, outcome)
    for application in ("acme/shop", "(unknown)")
    for outcome in ("200", "400", "404", "405", "406")
]


async def checks(kit: ExpoKit) -> dict[tuple[str, str], float]:
    answer = await kit.base.client.get("/metrics")
    assert answer.status_code == 200, answer.text
    samples = parse(answer.text)
    return {
        (application, outcome): value(
            samples, CHECKS, protocol="expo", application=application, outcome=outcome
        )
        for application, outcome in LABELS
    }


async def test_manifest_requests_by_application_and_status(kit: ExpoKit, tmp_path: Path) -> None:
    await kit.published(write_export(tmp_path / "dist", js_bundle(1)))
    client = kit.base.client
    before = await checks(kit)
    served = read_answer(await kit.manifest()).manifest
    assert served is not None
    assert (await kit.manifest(platform="web")).status_code == 400
    assert (await kit.manifest(runtime="9.9.9")).status_code == 404
    assert (await kit.manifest(expo_headers(accept="text/html"))).status_code == 406
    assert (await client.post(MANIFEST, headers=expo_headers())).status_code == 405
    nowhere = "/expo/acme/nothing-here/manifest"
    assert (await client.get(nowhere, headers=expo_headers())).status_code == 404
    launch = await client.get(served["launchAsset"]["url"])
    assert launch.status_code in (200, 302, 307), launch.text
    after = await checks(kit)
    delta = {labels: after[labels] - before[labels] for labels in LABELS}
    assert delta == {
        ("acme/shop", "200"): 1,
        ("acme/shop", "400"): 1,
        ("acme/shop", "404"): 1,
        ("acme/shop", "405"): 0,
        ("acme/shop", "406"): 1,
        ("(unknown)", "200"): 0,
        ("(unknown)", "400"): 0,
        ("(unknown)", "404"): 1,
        ("(unknown)", "405"): 1,
        ("(unknown)", "406"): 0,
    }
