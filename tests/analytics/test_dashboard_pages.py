"""The dashboard's adoption and health panels as rendered HTML (no browser)."""

from __future__ import annotations

import re
from datetime import timedelta

from fixtures.analytics import Signals
from fixtures.dashboard import csrf_of
from fixtures.releases import ReleaseKit
from fixtures.users import DEFAULT_PASSWORD

from tradewind.models.base import utcnow
from tradewind.signals.model import Metric

PAGE = "/dashboard/orgs/acme/apps/shop"


async def signed_in(kit: ReleaseKit) -> None:
    page = await kit.client.get("/dashboard/login")
    data = {
        "email": kit.owner.email,
        "password": DEFAULT_PASSWORD,
        "csrf_token": csrf_of(page.text),
    }
    assert (await kit.client.post("/dashboard/login", data=data)).status_code == 303


async def staged(kit: ReleaseKit) -> tuple[int, int]:
    baseline = await kit.created(package_version=await kit.package())
    release = await kit.created(package_version=await kit.package(), percentage=20)
    assert (await kit.act(release["id"], "ramp")).status_code == 200
    return baseline["id"], release["id"]


async def test_overview_charts_devices_per_package_version(
    kit: ReleaseKit, signals: Signals
) -> None:
    baseline, release = await staged(kit)
    recorder = signals.at(utcnow() - timedelta(hours=1))
    recorder.check(kit.app_id, baseline, "1", "a")
    recorder.check(kit.app_id, release, "2", "b")
    recorder.check(kit.app_id, baseline, "1", None)
    await signals.flush()
    await signed_in(kit)
    html = (await kit.client.get(PAGE)).text
    section = html[html.index('id="app-adoption"') :]
    assert "3 checks from 2 devices" in section
    assert "33.3% of checks carry no identifier" in section
    assert section.count("<svg") == 2
    assert set(re.findall(r'<polyline class="series" data-label="([^"]+)"', section)) == {
        "package 1",
        "package 2",
    }


async def test_overview_without_checks(kit: ReleaseKit) -> None:
    await kit.created(package_version=await kit.package())
    await signed_in(kit)
    html = (await kit.client.get(PAGE)).text
    assert "No update checks in the last 24 hours." in html


async def test_release_page_shows_health_and_the_anonymous_warning(
    kit: ReleaseKit, signals: Signals
) -> None:
    baseline, release = await staged(kit)
    recorder = signals.at(utcnow())
    recorder.check(kit.app_id, release, "2", "a")
    recorder.check(kit.app_id, baseline, "1", None)  # outside the rollout: no identifier
    recorder.count(kit.app_id, Metric.INSTALL_SUCCEEDED, release, "2", 9)
    recorder.count(kit.app_id, Metric.INSTALL_FAILED, release, "2", 1)
    await signals.flush()
    await signed_in(kit)
    html = (await kit.client.get(f"{PAGE}/releases/{release}")).text
    health = html[html.index('id="release-health"') :]
    assert "anonymous-warning" in health
    assert "50.0% of this audience's checks carry none" in health
    assert "docs/analytics.md" in health
    assert "10.00%" in health and "(1 of 10;" in health
    assert f'href="/dashboard/orgs/acme/apps/shop/releases/{baseline}">release {baseline}' in health
    assert health.count("<svg") == 3  # adoption, outcomes, failure rate vs baseline
    assert health.count('<circle class="rate"') == 2


async def test_no_warning_when_every_device_sends_an_identifier(
    kit: ReleaseKit, signals: Signals
) -> None:
    baseline, release = await staged(kit)
    recorder = signals.at(utcnow())
    recorder.check(kit.app_id, release, "2", "a")
    recorder.check(kit.app_id, baseline, "1", "b")
    await signals.flush()
    await signed_in(kit)
    html = (await kit.client.get(f"{PAGE}/releases/{release}")).text
    assert 'id="release-health"' in html
    assert "anonymous-warning" not in html


async def test_warning_before_any_check_but_not_once_concluded(kit: ReleaseKit) -> None:
    _, release = await staged(kit)
    await signed_in(kit)
    html = (await kit.client.get(f"{PAGE}/releases/{release}")).text
    assert "no check has come in yet" in html
    assert (await kit.act(release, "conclude")).status_code == 200
    html = (await kit.client.get(f"{PAGE}/releases/{release}")).text
    assert "anonymous-warning" not in html
    assert "no installs or failures reported yet" in html


async def test_the_health_panel_refreshes_itself(kit: ReleaseKit, signals: Signals) -> None:
    _, release = await staged(kit)
    await signed_in(kit)
    page = (await kit.client.get(f"{PAGE}/releases/{release}")).text
    assert f'hx-get="{PAGE}/releases/{release}/health" hx-trigger="every 30s"' in page
    before = (await kit.client.get(f"{PAGE}/releases/{release}/health")).text
    assert before.lstrip().startswith("<section") and "<html" not in before
    assert "Devices served</dt><dd>0<" in before
    signals.at(utcnow()).check(kit.app_id, release, "2", "a")
    await signals.flush()
    after = (await kit.client.get(f"{PAGE}/releases/{release}/health")).text
    assert "Devices served</dt><dd>1<" in after
    missing = await kit.client.get(f"{PAGE}/releases/999/health")
    assert missing.status_code == 404
