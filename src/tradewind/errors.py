"""The one error hierarchy. Services raise these; `tradewind.web.errors` renders them.

Each class carries a default HTTP status so the renderer needs no table, but nothing here
imports a web framework. Codes are stable strings that clients may rely on.
"""

from __future__ import annotations

from typing import Any, ClassVar


class TradewindError(Exception):
    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "internal_error"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details: dict[str, Any] = details or {}


class BadRequest(TradewindError):
    status = 400
    default_code = "bad_request"


class Unauthorized(TradewindError):
    status = 401
    default_code = "unauthorized"


class Forbidden(TradewindError):
    status = 403
    default_code = "forbidden"


class NotFound(TradewindError):
    status = 404
    default_code = "not_found"


class Conflict(TradewindError):
    status = 409
    default_code = "conflict"


class Gone(TradewindError):
    """Something that existed is no longer usable (an expired or used link)."""

    status = 410
    default_code = "gone"


class PayloadTooLarge(TradewindError):
    status = 413
    default_code = "payload_too_large"


class ValidationFailed(TradewindError):
    status = 422
    default_code = "validation_failed"


class RateLimited(TradewindError):
    status = 429
    default_code = "rate_limited"


class ServiceUnavailable(TradewindError):
    status = 503
    default_code = "service_unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    """The database is down, frozen or saturated (see docs/reliability.md)."""

    default_code = "database_unavailable"


class ConfigurationError(TradewindError):
    """A setting is missing or inconsistent; raised at startup, never per request."""

    default_code = "configuration_error"
