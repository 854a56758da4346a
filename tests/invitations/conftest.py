from __future__ import annotations

import pytest
from fixtures.smtp import Mailbox, smtp_server

from tradewind.settings import Settings

__all__ = ["smtp_server"]


@pytest.fixture
def settings(settings: Settings, smtp_server: Mailbox) -> Settings:
    """Invitations are mailed through the test's own SMTP server."""
    smtp_server.messages.clear()
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp_server.port, "smtp_security": "none"}
    )
