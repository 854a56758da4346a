from __future__ import annotations

from collections.abc import Iterator

import pytest
from fixtures.webhooks import Receiver, receiver

from tradewind.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Loopback receivers allowed; the drain loop idle (tests drain explicitly)."""
    return settings.model_copy(
        update={
            "webhook_allow_private_targets": True,
            "webhook_interval_seconds": 300.0,
            "webhook_max_attempts": 3,
        }
    )


@pytest.fixture
def hook_receiver() -> Iterator[Receiver]:
    with receiver() as box:
        yield box
