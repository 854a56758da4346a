from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fixtures.apps import started_app
from fixtures.database import TestDatabase
from fixtures.releases import ReleaseKit, release_kit
from fixtures.serving import DeviceKit, device_kit
from fixtures.users import UserFactory
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from tradewind.app import TradewindApp
from tradewind.settings import Settings


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> ReleaseKit:
    return await release_kit(app, client, users)


@pytest.fixture
def key_file_settings(settings: Settings) -> Settings:
    """The test settings without the suite's shared key: the key file in the data dir."""
    return settings.model_copy(update={"master_key": SecretStr("")})


@pytest.fixture
async def key_file_kit(
    key_file_settings: Settings, test_database: TestDatabase
) -> AsyncIterator[DeviceKit]:
    """A DeviceKit on an app whose key-encryption key is a key file (made at its start): on
    an empty database, as a canary sealed with another key would refuse the start."""
    await test_database.truncate_all()
    try:
        async with started_app(key_file_settings) as application:
            transport = ASGITransport(app=application, client=("127.0.0.1", 50000))
            async with AsyncClient(transport=transport, base_url="http://testserver") as http:
                yield await device_kit(application, http, UserFactory(application, http))
    finally:
        await test_database.truncate_all()
