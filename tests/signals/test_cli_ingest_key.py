"""`tradewind app ingest-key` against a real server: show, rotate, keyless; the key works."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures.cli import Cli, Server, server_on_test_database

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("signals-cli"), pytest.mark.once]

EVENT = {"org_id": "acme", "app_id": "shop", "device_id": "d", "event_type": "APPLY_SUCCESS"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with server_on_test_database(tmp_path_factory.mktemp("server")) as process:
        yield process


def post_event(server: Server, key: str | None) -> int:
    headers = {"x-ingest-key": key} if key is not None else {}
    for _ in range(100):  # the snapshots pick a change up within a poll interval
        r = httpx.post(f"{server.url}/analytics/events", json=EVENT, headers=headers, timeout=10)
        if r.status_code not in (401, 422):
            return r.status_code
        time.sleep(0.1)
    return r.status_code


def test_show_rotate_and_keyless(tmp_path: Path, server: Server) -> None:
    cli = Cli(tmp_path / "config")
    cli.login_admin(server)
    cli.ok("org", "create", "acme")
    cli.ok("app", "create", "shop", "--org", "acme")
    shown = cli.json("app", "ingest-key", "shop", "--org", "acme")
    assert shown["ingest_key"].startswith("twi_")
    assert shown["ingest_keyless"] is False
    assert shown["ingest_key"] in cli.ok("app", "ingest-key", "shop", "--org", "acme").stdout
    assert post_event(server, shown["ingest_key"]) == 200
    rotated = cli.json("app", "ingest-key", "shop", "--org", "acme", "--rotate")
    assert rotated["ingest_key"] != shown["ingest_key"]
    assert post_event(server, rotated["ingest_key"]) == 200
    keyless = cli.json("app", "ingest-key", "shop", "--org", "acme", "--keyless")
    assert keyless["ingest_keyless"] is True
    assert post_event(server, None) == 200
    back = cli.json("app", "ingest-key", "shop", "--org", "acme", "--require-key")
    assert back["ingest_keyless"] is False
