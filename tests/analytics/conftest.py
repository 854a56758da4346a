from __future__ import annotations

import pytest
from fixtures.analytics import Signals
from fixtures.releases import ReleaseKit, release_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> ReleaseKit:
    return await release_kit(app, client, users)


@pytest.fixture
def signals(kit: ReleaseKit) -> Signals:
    return Signals(kit)
