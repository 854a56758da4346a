"""The dashboard's Config tab: the property schema edited as JSON, cohort dimensions, errors
shown on the form with nothing saved, read-only for non-admins."""

from __future__ import annotations

import json

import pytest
from fixtures.dashboard import csrf_of
from fixtures.remoteconfig import SCHEMA
from fixtures.serving import DeviceKit, device_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp
from tradewind.dashboard.security import SESSION_COOKIE

PAGE = "/dashboard/orgs/acme/apps/shop/config"


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> DeviceKit:
    kit = await device_kit(app, client, users)
    kit.client.cookies.set(SESSION_COOKIE, kit.owner.token)
    return kit


async def _schema(kit: DeviceKit) -> dict[str, object]:
    r = await kit.client.get(f"{kit.base}/properties/schema", headers=kit.owner.headers)
    return dict(r.json()["properties"])


async def test_schema_is_edited_as_json(kit: DeviceKit) -> None:
    token = csrf_of((await kit.client.get(PAGE)).text)
    body = json.dumps({"properties": SCHEMA})
    saved = await kit.client.post(f"{PAGE}/schema", data={"schema": body, "csrf_token": token})
    assert saved.status_code == 303, saved.text
    assert set(await _schema(kit)) == set(SCHEMA)
    page = (await kit.client.get(PAGE)).text
    assert "<code>new_checkout</code>" in page and "the new checkout flow" in page
    bad = {"properties": {"x": {"default_value": "s", "schema": {"type": "integer"}}}}
    for text in (json.dumps(bad), "{not json", '{"properties": {"x": {"schema": {}}}}'):
        r = await kit.client.post(f"{PAGE}/schema", data={"schema": text, "csrf_token": token})
        assert r.status_code == 422, text
        assert 'aria-invalid="true"' in r.text
    assert set(await _schema(kit)) == set(SCHEMA)  # nothing saved


async def test_cohort_dimension_saved_from_the_form(kit: DeviceKit) -> None:
    await kit.dimension("app_version", "semver")
    token = csrf_of((await kit.client.get(PAGE)).text)
    form = {
        "name": "tier",
        "base_dimension": "app_version",
        "cohorts": '[{"name": "v3", "at_least": "3.0.0"}, {"name": "v4", "at_least": "4.0.0"}]',
        "csrf_token": token,
    }
    r = await kit.client.post(f"{PAGE}/cohorts", data=form)
    assert r.status_code == 422 and "already caught" in r.text  # overlap, shown on the form
    form["cohorts"] = '[{"name": "v3", "at_least": "3.0.0"}]'
    assert (await kit.client.post(f"{PAGE}/cohorts", data=form)).status_code == 303
    page = (await kit.client.get(PAGE)).text
    assert "app_version &gt;= 3.0.0" in page and "<code>otherwise</code>" in page


async def test_writers_see_no_edit_forms(kit: DeviceKit, users: UserFactory) -> None:
    writer = await kit.member(users, "write")
    kit.client.cookies.set(SESSION_COOKIE, writer.token)
    page = await kit.client.get(PAGE)
    assert page.status_code == 200 and "Save schema" not in page.text
    token = csrf_of(page.text)
    r = await kit.client.post(f"{PAGE}/schema", data={"schema": "{}", "csrf_token": token})
    assert r.status_code == 403


async def test_explain_page_shows_cohort_and_property_sources(kit: DeviceKit) -> None:
    from fixtures.remoteconfig import put_cohorts, put_schema

    assert (await put_schema(kit, SCHEMA)).status_code == 200
    await kit.dimension("app_version", "semver")
    cohorts = [{"name": "v3", "at_least": "3.0.0"}]
    assert (
        await put_cohorts(kit, "tier", base_dimension="app_version", cohorts=cohorts)
    ).status_code == 200
    base = await kit.live(await kit.package(), config={"properties": {"retries": 8}})
    page = await kit.client.get(
        "/dashboard/orgs/acme/apps/shop/explain", params={"context": "app_version=3.1.0"}
    )
    assert page.status_code == 200
    assert "<code>tier</code> = <strong>v3</strong>" in page.text
    assert f"<td><code>8</code></td><td>release {base}</td>" in page.text
    assert "<td><code>false</code></td><td>default</td>" in page.text
