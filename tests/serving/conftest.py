"""A DeviceKit (org `acme`, app `shop`, its owner; files really stored) for every test here."""

from __future__ import annotations

import pytest
from fixtures.serving import DeviceKit, device_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> DeviceKit:
    return await device_kit(app, client, users)
