"""Release confirmations show what changes for devices (files with sizes, config and
properties), the new-release form starts from the baseline's config, a concluded release
offers the one-step rollback to the previous release, and the timeline lists release events
(in-process)."""

from __future__ import annotations

import re

import pytest
from fixtures.serving import DeviceKit, device_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp
from tradewind.dashboard.security import SESSION_COOKIE

PAGES = "/dashboard/orgs/acme/apps/shop/releases"


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> DeviceKit:
    kit = await device_kit(app, client, users)
    kit.client.cookies.set(SESSION_COOKIE, kit.owner.token)
    return kit


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def two_releases(kit: DeviceKit) -> tuple[int, int]:
    v1 = await kit.package(lazy=("img/old.png",))
    first = await kit.live(v1, config={"properties": {"theme": "dark"}})
    v2 = await kit.package(lazy=("img/new.png",))
    second = await kit.created(
        package_version=v2, config={"properties": {"theme": "light", "ads": True}}
    )
    return first, second["id"]


async def test_ramp_confirmation_shows_the_file_and_config_diff(kit: DeviceKit) -> None:
    first, second = await two_releases(kit)
    r = await kit.client.get(f"{PAGES}/{second}/confirm/ramp", params={"percentage": "10"})
    assert r.status_code == 200, r.text
    shown = text(r.text)
    assert "What changes for devices" in shown
    assert f"Release {first} (package 1) → release {second} (package 2)" in shown
    assert "added img/new.png lazy — 22 B" in shown  # len(b"content of img/new.png")
    assert "removed img/old.png lazy 22 B —" in shown
    assert "changed index.android.bundle index" in shown
    assert 'config.properties theme changed "dark" "light"' in shown
    assert "config.properties ads added — true" in shown
    # Discarding goes the other way: its devices go back to the baseline's content.
    back = text((await kit.client.get(f"{PAGES}/{second}/confirm/discard")).text)
    assert "removed img/new.png" in back and "added img/old.png" in back


async def test_new_release_form_starts_from_the_baseline(kit: DeviceKit) -> None:
    first, _ = await two_releases(kit)
    html = (await kit.client.get(f"{PAGES}/new")).text
    assert 'id="baseline-prefill"' in html and f"release {first}</a>" in html
    assert "&#34;theme&#34;: &#34;dark&#34;" in html  # the properties textarea, escaped
    assert '<option value="1" selected>' in html  # the baseline's package


async def test_concluded_release_offers_rollback_to_previous_and_timeline(kit: DeviceKit) -> None:
    first, second = await two_releases(kit)
    assert (await kit.act(second, "ramp", json={"percentage": 100})).status_code == 200
    assert (await kit.act(second, "conclude")).status_code == 200
    page = (await kit.client.get(f"{PAGES}/{second}")).text
    assert f'href="{PAGES}/{first}/confirm/rollback"' in page
    assert f"Roll back to the previous release ({first})" in page
    confirm = text((await kit.client.get(f"{PAGES}/{first}/confirm/rollback")).text)
    assert f"Release {second} (package 2) → release {first} (package 1)" in confirm
    assert "added img/old.png" in confirm
    timeline = text((await kit.client.get(f"{PAGES}/timeline")).text)
    assert "Release timeline" in timeline
    assert "release.supersede" in timeline and "release.conclude" in timeline
    assert kit.owner.email in timeline
