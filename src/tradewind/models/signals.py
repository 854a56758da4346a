"""Device signal roll-ups: counts and distinct-device sketches per application and time bucket.

Every flush adds to the minute, hour and day bucket at once, so a reader picks the span that
fits its window and all-time totals are the sum over `span = 'day'`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.models.base import Base, UTCDateTime, utcnow

SPANS = ("minute", "hour", "day")
_SPAN_CHECK = "span IN ('minute', 'hour', 'day')"


class SignalCount(Base):
    __tablename__ = "signal_counts"
    __table_args__ = (CheckConstraint(_SPAN_CHECK, name="span"),)

    app_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    span: Mapped[str] = mapped_column(String(6), primary_key=True)
    bucket: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)  # UTC bucket start
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    # 0: no release (or unknown). Not a foreign key: roll-ups outlive deleted releases.
    release_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    package_version: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    count: Mapped[int] = mapped_column(BigInteger)


class SignalSketch(Base):
    """Distinct devices that checked (HLL sketch, lg_k 12, HLL_4, compact serialisation)."""

    __tablename__ = "signal_sketches"
    __table_args__ = (CheckConstraint(_SPAN_CHECK, name="span"),)

    app_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    span: Mapped[str] = mapped_column(String(6), primary_key=True)
    bucket: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    release_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    package_version: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    sketch: Mapped[bytes] = mapped_column(LargeBinary)


class SignalFlush(Base):
    """Ledger of applied flushes: a flush retried after an unknown outcome is applied once."""

    __tablename__ = "signal_flushes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    flushed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
