"""Rollout guards: limits that pause a bad rollout by themselves, and the record of each trip."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.models.base import Base, JSONType, UTCDateTime, utcnow


class GuardLimits:
    """The settings shared by an application's default guard and a release's own guard."""

    min_sample: Mapped[int] = mapped_column(Integer)
    max_failure_rate: Mapped[float] = mapped_column(Float)
    # Largest allowed (Wilson lower bound - baseline failure rate); null: no baseline check.
    max_excess: Mapped[float | None] = mapped_column(Float)
    # Scheduled ramp: percentages in increasing order, and the wait between two steps.
    ramp_steps: Mapped[list[int] | None] = mapped_column(JSONType)
    ramp_interval_seconds: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AppGuard(GuardLimits, Base):
    """An application's default guard: used by every release that has no guard of its own."""

    __tablename__ = "app_guards"

    app_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )


class ReleaseGuard(GuardLimits, Base):
    __tablename__ = "release_guards"

    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    app_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )


class GuardTrip(Base):
    """One automatic pause: when, why, and the figures the guard decided on."""

    __tablename__ = "guard_trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), index=True
    )
    app_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(30))
    figures: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    tripped_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
