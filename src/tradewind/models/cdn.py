"""The CDN purge queue: what devices are served changed, so cached answers must go."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.models.base import Base, JSONType, UTCDateTime, utcnow


class CdnPurge(Base):
    """One change of one application's answers (tradewind.cdn). `change_key` is unique
    ("<app id>:<revision>:<org/app>"): of the processes that each notice the change, the
    first queues it and the others find it queued."""

    __tablename__ = "cdn_purges"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_key: Mapped[str] = mapped_column(String(300), unique=True)
    paths: Mapped[list[Any]] = mapped_column(JSONType)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
