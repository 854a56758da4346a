"""Adoption and launch failures reported by expo-updates checks, into the signal pipeline."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path

from fixtures.dashboard import csrf_of
from fixtures.expo import ExpoKit, expo_headers, js_bundle, write_export
from fixtures.expo_client import read_answer
from fixtures.users import DEFAULT_PASSWORD

from tradewind.analytics.repository import release_outcomes
from tradewind.signals.model import Metric


def _totals(kit: ExpoKit) -> Counter[tuple[str, int, str]]:
    totals: Counter[tuple[str, int, str]] = Counter()
    for (app_id, _, metric, release_id, version), n in kit.app.ctx.signals.held().items():
        if app_id == kit.base.app_id:
            totals[(metric, release_id, version)] += n
    return totals


async def test_checks_count_the_update_each_device_runs(kit: ExpoKit, tmp_path: Path) -> None:
    out = await kit.published(write_export(tmp_path / "dist", js_bundle(1)), platforms=["android"])
    release_id = out["packages"][0]["release_id"]
    version = str(out["packages"][0]["package_version"])
    update_id = out["packages"][0]["update_id"]
    embedded = str(uuid.uuid4())
    await kit.manifest(
        expo_headers(expo_current_update_id=embedded, expo_embedded_update_id=embedded)
    )
    await kit.manifest(expo_headers(expo_current_update_id=update_id))
    await kit.manifest(expo_headers(expo_current_update_id=update_id))
    totals = _totals(kit)
    assert totals[(Metric.CHECK, release_id, "embedded")] == 1
    assert totals[(Metric.CHECK, release_id, version)] == 2
    assert totals[(Metric.INSTALL_SUCCEEDED, release_id, version)] == 2


async def test_a_fatal_error_counts_a_failed_launch_of_each_failed_update(
    kit: ExpoKit, tmp_path: Path
) -> None:
    out = await kit.published(write_export(tmp_path / "one", js_bundle(1)), platforms=["android"])
    good = out["packages"][0]
    out = await kit.published(write_export(tmp_path / "two", js_bundle(2)), platforms=["android"])
    bad = out["packages"][0]
    failed = f'"{bad["update_id"]}"'
    crashed = expo_headers(
        expo_current_update_id=good["update_id"],
        expo_recent_failed_update_ids=failed,
        expo_fatal_error="TypeError: undefined is not a function",
    )
    assert read_answer(await kit.manifest(crashed)).manifest is not None
    # Later checks repeat the failed id without a new fatal error: not counted again.
    later = expo_headers(
        expo_current_update_id=good["update_id"], expo_recent_failed_update_ids=failed
    )
    await kit.manifest(later)
    totals = _totals(kit)
    assert totals[(Metric.INSTALL_FAILED, bad["release_id"], str(bad["package_version"]))] == 1
    assert totals[(Metric.INSTALL_SUCCEEDED, good["release_id"], str(good["package_version"]))] == 2


async def test_flushed_signals_feed_release_outcomes(kit: ExpoKit, tmp_path: Path) -> None:
    out = await kit.published(write_export(tmp_path / "dist", js_bundle(1)), platforms=["android"])
    package = out["packages"][0]
    for _ in range(3):
        await kit.manifest(expo_headers(expo_current_update_id=package["update_id"]))
    await kit.app.ctx.signals.flush()
    async with kit.app.ctx.db.sessions() as session:
        outcomes = await release_outcomes(session, kit.base.app_id, package["release_id"])
    assert (outcomes.installs, outcomes.install_failures) == (3, 0)


async def test_dashboard_release_page_shows_expo_launches_and_failures(
    kit: ExpoKit, tmp_path: Path
) -> None:
    out = await kit.published(write_export(tmp_path / "one", js_bundle(1)), platforms=["android"])
    good = out["packages"][0]
    out = await kit.published(
        write_export(tmp_path / "two", js_bundle(2)),
        platforms=["android"],
        release={"percentage": 50},
    )
    ramping = out["packages"][0]
    for n in range(3):
        headers = expo_headers(
            expo_current_update_id=ramping["update_id"], eas_client_id=str(uuid.UUID(int=n + 1))
        )
        await kit.manifest(headers)
    crashed = expo_headers(
        expo_current_update_id=good["update_id"],
        expo_recent_failed_update_ids=f'"{ramping["update_id"]}"',
        expo_fatal_error="boom",
    )
    await kit.manifest(crashed)
    await kit.app.ctx.signals.flush()
    http = kit.base.client
    page = await http.get("/dashboard/login")
    signed_in = await http.post(
        "/dashboard/login",
        data={
            "email": kit.base.owner.email,
            "password": DEFAULT_PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert signed_in.status_code == 303, signed_in.text
    r = await http.get(f"/dashboard/orgs/acme/apps/shop/releases/{ramping['release_id']}/health")
    assert r.status_code == 200, r.text
    text = " ".join(r.text.split())
    assert '<dt>Installs</dt><dd>3 <span class="muted">(1 failed)</span>' in text
