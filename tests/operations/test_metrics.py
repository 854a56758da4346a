"""/metrics in one process: what each counter counts, the token, the outbox backlog."""

from __future__ import annotations

import hashlib

from fixtures.apps import started_app
from fixtures.metrics import parse, total, value
from fixtures.serving import DeviceKit
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from tradewind.settings import Settings

CHECKS = "tradewind_device_checks_total"


async def scrape(client: AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = await client.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(answer.text)


async def test_device_checks_by_protocol_application_and_outcome(kit: DeviceKit) -> None:
    before = await scrape(kit.client)
    await kit.live(await kit.package())
    first = await kit.check(dimensions="")
    assert first.status_code == 200
    assert (await kit.check(headers={"if-none-match": first.headers["etag"]})).status_code == 304
    assert (await kit.check("/release/acme/nothing-here")).status_code == 404
    assert (await kit.check(method="POST")).status_code == 405
    after = await scrape(kit.client)

    def delta(**labels: str) -> float:
        return value(after, CHECKS, protocol="airborne", **labels) - value(
            before, CHECKS, protocol="airborne", **labels
        )

    assert delta(application="acme/shop", outcome="200") == 1
    assert delta(application="acme/shop", outcome="304") == 1
    # Unknown applications share one label: clients cannot grow the label set.
    assert delta(application="(unknown)", outcome="404") == 1
    assert delta(application="(unknown)", outcome="405") == 1
    assert value(after, "tradewind_snapshot_rebuilds_total") > value(
        before, "tradewind_snapshot_rebuilds_total"
    )
    assert value(after, "tradewind_snapshot_age_seconds") >= 0


async def test_management_requests_by_route_status_and_latency(kit: DeviceKit) -> None:
    route = "/api/v1/orgs/{org}/apps/{app}"
    before = await scrape(kit.client)
    owner = kit.owner.headers
    assert (await kit.client.get("/api/v1/orgs/acme/apps/shop", headers=owner)).status_code == 200
    assert (await kit.client.get("/api/v1/orgs/acme/apps/nope", headers=owner)).status_code == 404
    after = await scrape(kit.client)
    for status in ("200", "404"):
        labels = {"route": route, "method": "GET", "status": status}
        name = "tradewind_http_requests_total"
        assert value(after, name, **labels) - value(before, name, **labels) == 1
    latency = "tradewind_http_request_duration_seconds_count"
    labels = {"route": route, "method": "GET"}
    assert value(after, latency, **labels) - value(before, latency, **labels) == 2
    buckets = [k for k in after if k[0] == "tradewind_http_request_duration_seconds_bucket"]
    assert any(("route", route) in labels for _, labels in buckets)


async def test_uploads_counted_by_kind(kit: DeviceKit) -> None:
    before = await scrape(kit.client)
    body = b"console.log('hello');"
    answer = await kit.client.put(
        "/api/v1/orgs/acme/apps/shop/files/index.android.bundle",
        content=body,
        headers={
            "content-type": "application/octet-stream",
            "x-checksum-sha256": hashlib.sha256(body).hexdigest(),
            **kit.owner.headers,
        },
    )
    assert answer.status_code == 201, answer.text
    after = await scrape(kit.client)
    uploads = "tradewind_uploads_total"
    assert (
        value(after, uploads, kind="file", status="201")
        - value(before, uploads, kind="file", status="201")
        == 1
    )
    sent = "tradewind_upload_bytes_total"
    assert value(after, sent, kind="file") - value(before, sent, kind="file") == len(body)


async def test_outbox_backlog_read_at_scrape(kit: DeviceKit) -> None:
    samples = await scrape(kit.client)
    assert total(samples, "tradewind_outbox_backlog") >= 0
    assert {
        dict(labels)["state"] for name, labels in samples if name == "tradewind_outbox_backlog"
    } == {
        "due",
        "scheduled",
        "retrying",
    }


async def test_token_protects_the_endpoint(settings: Settings) -> None:
    protected = settings.model_copy(update={"metrics_token": SecretStr("scrape-me-please")})
    async with started_app(protected) as app:
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            missing = await client.get("/metrics")
            wrong = await client.get("/metrics", headers={"authorization": "Bearer nope"})
            right = await client.get(
                "/metrics", headers={"authorization": "Bearer scrape-me-please"}
            )
    for answer in (missing, wrong):
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "metrics_token_required"
    assert right.status_code == 200 and CHECKS in right.text


async def test_disabled_metrics_have_no_endpoint(settings: Settings) -> None:
    async with started_app(settings.model_copy(update={"metrics_enabled": False})) as app:
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/metrics")).status_code == 404
            assert app.ctx.device_tally.total() == 0
            await client.get("/release/acme/shop")
            assert app.ctx.device_tally.total() == 0  # the device path counts nothing
