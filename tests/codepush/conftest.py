"""A CodePushKit (org `acme`, app `shop` with Staging and Production, its owner) per test."""

from __future__ import annotations

import pytest
from fixtures.codepush import CodePushKit, codepush_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> CodePushKit:
    return await codepush_kit(app, client, users)
