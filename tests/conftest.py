"""Shared fixtures: a migrated database per test process (SQLite, or PostgreSQL when
TRADEWIND_TEST_DATABASE_URL is set), a running app, and an HTTP client for it.

Each test gets a fresh app context (its own engine, blob store, snapshots, counters and
background loops) and a database emptied after it; see docs/testing.md for how that stays fast.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fixtures.apps import started_app
from fixtures.database import TestDatabase, create_test_database
from fixtures.servers import TEST_MASTER_KEY
from fixtures.users import UserFactory
from httpx import ASGITransport, AsyncClient

from tradewind.accounts import security
from tradewind.app import TradewindApp
from tradewind.settings import Settings

pytest_plugins = ["fixtures.s3server", "fixtures.faults"]
# One key-encryption key for every app of the suite (see fixtures.servers.TEST_MASTER_KEY).
os.environ["TRADEWIND_MASTER_KEY"] = TEST_MASTER_KEY


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2id with its smallest cost instead of 64 MiB x 3 passes (~0.2 s of CPU per hash or
    check): the same code paths, without hashing dominating the suite. Server subprocesses
    keep the production parameters."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_hasher", cheap)
        security._dummy_hash.cache_clear()
        yield
    security._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def _migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    base_url = os.environ.get("TRADEWIND_TEST_DATABASE_URL", "")
    with create_test_database(base_url, tmp_path_factory.mktemp("db")) as database:
        yield database


@pytest.fixture(scope="session")
async def test_database(_migrated_database: TestDatabase) -> AsyncIterator[TestDatabase]:
    yield _migrated_database
    await _migrated_database.close()


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
    try:
        async with started_app(settings) as application:
            yield application
    finally:
        await test_database.truncate_all()


@pytest.fixture
async def client(app: TradewindApp) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def users(app: TradewindApp, client: AsyncClient) -> UserFactory:
    return UserFactory(app, client)
