"""The release page's rollout guard panel over plain HTTP: the form (CSRF, roles, errors) and
the notice after the guard paused the release."""

from __future__ import annotations

import re

import httpx
from fixtures.guards import GuardKit
from fixtures.users import DEFAULT_PASSWORD, UserFactory

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


async def dashboard_login(client: httpx.AsyncClient, email: str) -> str:
    """Sign `client` in through the dashboard form; returns its CSRF token."""
    page = await client.get("/dashboard/login")
    token = CSRF.search(page.text)
    assert token is not None
    form = {"email": email, "password": DEFAULT_PASSWORD, "csrf_token": token.group(1)}
    assert (await client.post("/dashboard/login", data=form)).status_code == 303
    home = await client.get("/dashboard/")
    found = CSRF.search(home.text)
    assert found is not None
    return found.group(1)


def guard_form(csrf: str, **fields: str) -> dict[str, str]:
    values = {
        "guard_min_sample": "100",
        "guard_max_failure_rate": "2",
        "guard_max_excess": "",
        "guard_ramp_steps": "",
        "guard_ramp_hours": "",
    }
    return {**values, **{f"guard_{k}": v for k, v in fields.items()}, "csrf_token": csrf}


async def test_set_trip_and_clear_from_the_release_page(kit: GuardKit) -> None:
    _, release_id = await kit.staged()
    client = kit.releases.client
    csrf = await dashboard_login(client, kit.releases.owner.email)
    page_url = f"/dashboard/orgs/acme/apps/shop/releases/{release_id}"

    page = await client.get(page_url)
    assert 'id="release-guard"' in page.text
    assert "none: this release is not guarded" in page.text

    form = guard_form(csrf, ramp_steps="10, 50", ramp_hours="6")
    assert (await client.post(f"{page_url}/guard/set", data=form)).status_code == 303
    shown = await kit.guard_of(release_id)
    assert shown["source"] == "release"
    assert shown["guard"] == {
        "min_sample": 100,
        "max_failure_rate": 0.02,
        "max_excess": None,
        "ramp_steps": [10, 50],
        "ramp_interval_seconds": 6 * 3600,
    }

    await kit.outcomes(release_id, installs=190, failures=10)
    assert [s.action for s in await kit.evaluate()] == ["pause"]
    page = await client.get(page_url)
    assert "Paused by the rollout guard" in page.text
    assert "10 failures in 200 installs and failures" in page.text
    assert "above the 2% limit" in page.text

    assert (
        await client.post(f"{page_url}/guard/clear", data={"csrf_token": csrf})
    ).status_code == 303
    assert (await kit.guard_of(release_id))["source"] == "none"


async def test_bad_values_are_shown_next_to_their_fields(kit: GuardKit) -> None:
    _, release_id = await kit.staged()
    client = kit.releases.client
    csrf = await dashboard_login(client, kit.releases.owner.email)
    url = f"/dashboard/orgs/acme/apps/shop/releases/{release_id}/guard/set"

    response = await client.post(url, data=guard_form(csrf, ramp_steps="50,10", ramp_hours="1"))
    assert response.status_code == 422
    assert 'id="guard_ramp_steps-error"' in response.text
    assert "strictly increasing" in response.text
    assert 'value="50,10"' in response.text  # what was typed is kept

    response = await client.post(url, data=guard_form(csrf, max_failure_rate="250"))
    assert response.status_code == 422
    assert 'id="guard_max_failure_rate-error"' in response.text
    response = await client.post(url, data=guard_form("0" * 64))  # a forged form
    assert response.status_code == 403
    assert (await kit.guard_of(release_id))["source"] == "none"


async def test_readers_see_no_form_and_are_refused(kit: GuardKit, users: UserFactory) -> None:
    _, release_id = await kit.staged()
    reader = await kit.releases.member(users, "read")
    client = kit.releases.client
    csrf = await dashboard_login(client, reader.email)
    page_url = f"/dashboard/orgs/acme/apps/shop/releases/{release_id}"
    page = await client.get(page_url)
    assert 'id="release-guard"' in page.text
    assert "/guard/set" not in page.text
    response = await client.post(f"{page_url}/guard/set", data=guard_form(csrf))
    assert response.status_code == 403
    response = await client.post(f"{page_url}/guard/set", data=guard_form("0" * 64))
    assert response.status_code == 403
    assert (await kit.guard_of(release_id))["source"] == "none"
