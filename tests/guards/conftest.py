from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.cli import Cli, Server, server_on_test_database
from fixtures.guards import GuardKit
from fixtures.releases import release_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> GuardKit:
    return GuardKit.of(await release_kit(app, client, users))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with server_on_test_database(tmp_path_factory.mktemp("server")) as process:
        yield process


@pytest.fixture
def cli(tmp_path: Path, server: Server) -> Cli:
    """The CLI, signed in as the server's first administrator."""
    signed_in = Cli(tmp_path / "config")
    signed_in.login_admin(server)
    return signed_in
