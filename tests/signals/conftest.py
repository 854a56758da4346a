from __future__ import annotations

import httpx
import pytest
from fixtures.serving import DeviceKit, device_kit
from fixtures.users import UserFactory

from tradewind.app import TradewindApp


@pytest.fixture
async def kit(app: TradewindApp, client: httpx.AsyncClient, users: UserFactory) -> DeviceKit:
    return await device_kit(app, client, users)
