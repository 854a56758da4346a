"""A FilesKit (org `acme`, app `shop`, its owner) for every test here."""

from __future__ import annotations

import pytest
from fixtures.files import FilesKit, make_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp
from tradewind.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Small limits keep the bad-input tests fast; the drain runs only when a test calls it.
    return settings.model_copy(update={"max_file_size": 4096, "outbox_interval_seconds": 3600})


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> FilesKit:
    return await make_kit(app, client, users)
