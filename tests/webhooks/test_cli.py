"""`tradewind webhook list|add|rm|ping|deliveries` against a real server process, delivering
to a local receiver that verifies the signature."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.cli import Cli
from fixtures.database import create_test_database
from fixtures.servers import Server, serving_with_admin
from fixtures.webhooks import Answer, Receiver, verify

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("cli-webhooks"), pytest.mark.once]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("server")
    base_url = os.environ.get("TRADEWIND_TEST_DATABASE_URL", "")
    allow = {"webhook_allow_private_targets": "true"}
    if not base_url:
        with serving_with_admin(tmp, "", **allow) as process:
            yield process
        return
    with (
        create_test_database(base_url, tmp) as database,
        serving_with_admin(tmp, database.url, **allow) as process,
    ):
        yield process


@pytest.fixture
def admin(tmp_path: Path, server: Server) -> Cli:
    cli = Cli(tmp_path / "config")
    cli.login_admin(server)
    return cli


def test_add_ping_deliveries_redeliver_and_remove(admin: Cli, hook_receiver: Receiver) -> None:
    admin.ok("org", "create", "hooks-org")
    added = admin.json(
        "webhook", "add", hook_receiver.url, "-o", "hooks-org", "-e", "release.created"
    )
    assert added["secret"].startswith("whsec_") and added["events"] == ["release.created"]
    text = admin.ok("webhook", "list", "-o", "hooks-org").stdout
    assert hook_receiver.url in text and "release.created" in text and "whsec_" not in text

    hook_id = str(added["id"])
    hook_receiver.script = [Answer(200, b"hello")]
    assert "delivered, HTTP 200" in admin.ok("webhook", "ping", hook_id, "-o", "hooks-org").stdout
    [ping] = hook_receiver.received
    assert verify(added["secret"], ping.headers["x-tradewind-signature"], ping.body)
    [logged] = admin.json("webhook", "deliveries", hook_id, "-o", "hooks-org")
    assert (logged["event"], logged["response_excerpt"]) == ("ping", "hello")

    hook_receiver.script = [Answer(502, b"bad gateway")]
    again = admin.json(
        "webhook", "deliveries", hook_id, "-o", "hooks-org", "--redeliver", str(logged["id"])
    )
    assert (again["status"], again["response_status"]) == ("pending", 502)

    missing = admin.fails(1, "webhook", "ping", "999999", "-o", "hooks-org")
    assert missing.stderr.startswith("error: webhook_not_found: ")
    refused = admin.fails(1, "webhook", "add", "ftp://example.com", "-o", "hooks-org")
    assert refused.stderr.startswith("error: webhook_url_invalid: ")
    admin.ok("webhook", "rm", hook_id, "-o", "hooks-org", "--yes")
    assert admin.json("webhook", "list", "-o", "hooks-org") == []
