"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when
TRADEWIND_TEST_DATABASE_URL is set), a running app, and an HTTP client for it."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fixtures.database import TestDatabase, create_test_database
from fixtures.users import UserFactory
from httpx import ASGITransport, AsyncClient

from tradewind.app import TradewindApp, create_app
from tradewind.settings import Settings

pytest_plugins = ["fixtures.s3server"]


@pytest.fixture(scope="session")
def test_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    base_url = os.environ.get("TRADEWIND_TEST_DATABASE_URL", "")
    with create_test_database(base_url, tmp_path_factory.mktemp("db")) as database:
        yield database


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def settings(test_database: TestDatabase, data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=test_database.url,
        secret_key=secrets.token_urlsafe(32),
        public_base_url="http://testserver",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def app(settings: Settings, test_database: TestDatabase) -> AsyncIterator[TradewindApp]:
    application = create_app(settings)
    async with application.api.router.lifespan_context(application.api):
        yield application
    await test_database.truncate_all()


@pytest.fixture
async def client(app: TradewindApp) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def users(app: TradewindApp, client: AsyncClient) -> UserFactory:
    return UserFactory(app, client)
