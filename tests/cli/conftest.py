"""One real Tradewind server process per test module; each test gets its own CLI config dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.cli import Cli, server_on_test_database
from fixtures.servers import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with server_on_test_database(tmp_path_factory.mktemp("server")) as process:
        yield process


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "config")


@pytest.fixture
def admin(cli: Cli, server: Server) -> Cli:
    """The CLI signed in as the server's first administrator."""
    cli.login_admin(server)
    return cli
