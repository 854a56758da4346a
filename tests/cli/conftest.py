"""One real Tradewind server process per test module; each test gets its own CLI config dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.cli import Cli, Server, running_server
from fixtures.database import create_test_database


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("server")
    base_url = os.environ.get("TRADEWIND_TEST_DATABASE_URL", "")
    if not base_url:  # SQLite in the data directory, migrated by `tradewind serve` itself
        with running_server(tmp, "") as process:
            yield process
        return
    with (
        create_test_database(base_url, tmp) as database,
        running_server(tmp, database.url) as process,
    ):
        yield process


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "config")


@pytest.fixture
def admin(cli: Cli, server: Server) -> Cli:
    """The CLI signed in as the server's first administrator."""
    cli.login_admin(server)
    return cli
