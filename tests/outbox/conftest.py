"""Outbox tests run against both blob stores: local disk and S3 (moto over HTTP)."""

from __future__ import annotations

import pytest
from fixtures.files import FilesKit, make_kit, s3_settings
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp
from tradewind.settings import Settings


@pytest.fixture(params=["local", "s3"])
def settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    # The background drain stays asleep: tests call the drain with their own clock.
    quiet = settings.model_copy(update={"outbox_interval_seconds": 3600})
    if request.param == "local":
        return quiet
    endpoint = request.getfixturevalue("s3_server")
    return s3_settings(quiet, endpoint, request.getfixturevalue("s3_bucket"))


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> FilesKit:
    return await make_kit(app, client, users)
