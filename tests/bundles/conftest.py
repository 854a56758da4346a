"""A FilesKit with small archive limits, so the bomb guards can be tested cheaply."""

from __future__ import annotations

import pytest
from fixtures.files import FilesKit, make_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp
from tradewind.settings import Settings

KIB = 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "max_file_size": 128 * KIB,
            "max_archive_entries": 50,
            "max_archive_total_size": 256 * KIB,
            "max_archive_ratio": 20,
            "outbox_interval_seconds": 3600,
        }
    )


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> FilesKit:
    return await make_kit(app, client, users)
