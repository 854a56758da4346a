"""The log formatter on its own: both formats, request ids from the context, redaction."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from tradewind.logs.redact import REDACTED, scrub
from tradewind.logs.setup import make_formatter

pytestmark = pytest.mark.once


def formatted(format: str, message: str, *args: object, **extra: object) -> str:
    record = logging.LogRecord("tradewind.test", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return make_formatter(format).format(record)  # type: ignore[arg-type]


def test_json_lines_carry_level_logger_time_and_request_id() -> None:
    with structlog.contextvars.bound_contextvars(request_id="req-7"):
        line = json.loads(formatted("json", "%d apps rebuilt", 3, route="/api/v1/orgs"))
    assert line["event"] == "3 apps rebuilt" and line["request_id"] == "req-7"
    assert (line["level"], line["logger"]) == ("warning", "tradewind.test")
    assert line["route"] == "/api/v1/orgs" and line["timestamp"].endswith("Z")


def test_text_lines_are_one_line_per_record() -> None:
    text = formatted("text", "snapshot refresh failed: %s", "timeout")
    assert "snapshot refresh failed: timeout" in text and "warning" in text
    assert "\n" not in text


@pytest.mark.parametrize("format", ["json", "text"])
def test_sensitive_fields_and_token_shapes_are_redacted(format: str) -> None:
    session = "tws_" + "a1B2c3D4e5F6g7H8" * 2
    text = formatted(
        format,
        "signed in with %s via %s",
        session,
        "postgresql://tradewind:hunter2-password@db:5432/tw",
        password="hunter2-password",
        authorization="Bearer abc.def.ghi",
        client_secret="oidc-client-secret",
        api_key="k-123456",
        details={"token": "twt_nested-secret-value", "count": 3},
    )
    for secret in (session, "hunter2-password", "abc.def.ghi", "oidc-client-secret", "k-123456"):
        assert secret not in text
    assert "twt_nested-secret-value" not in text
    assert REDACTED in text and "db:5432/tw" in text


def test_scrub_keeps_ordinary_text() -> None:
    assert scrub("GET /api/v1/orgs/acme 200") == "GET /api/v1/orgs/acme 200"
    assert scrub("Authorization: Bearer xyz.123") == f"Authorization: {REDACTED}"
    assert scrub("key twi_abcdefgh1234 used") == f"key {REDACTED} used"
