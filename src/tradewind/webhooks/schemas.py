"""Wire types for webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradewind.webhooks.catalog import EVENTS

EventName = Literal[tuple(EVENTS)]  # type: ignore[valid-type]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=2000, description="http:// or https:// endpoint.")
    format: Literal["json", "slack"] = Field(
        "json", description='"json": the event document; "slack": {"text": "…"} for Slack.'
    )
    events: list[EventName] = Field(  # type: ignore[valid-type]
        default_factory=list,
        max_length=len(EVENTS),
        description="Events to send; empty or absent: every event.",
    )


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    url: str
    format: str
    events: list[str]
    app: str | None = Field(description="Set for a webhook of one application.")
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="The signing secret (HMAC-SHA256 key); shown only once: store it now."
    )


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    delivery_id: str = Field(description="The X-Tradewind-Delivery header.")
    event: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    response_status: int | None = Field(description="HTTP status of the last answer.")
    response_excerpt: str | None = Field(description="The first 500 characters of it.")
    last_error: str | None = Field(description="Why the last attempt failed without an answer.")
    created_at: datetime
