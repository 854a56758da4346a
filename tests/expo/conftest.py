"""An ExpoKit (org `acme`, app `shop`, its owner) for every test here."""

from __future__ import annotations

import pytest
from fixtures.expo import ExpoKit
from fixtures.releases import release_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> ExpoKit:
    return ExpoKit(await release_kit(app, client, users))
