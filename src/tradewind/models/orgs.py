"""Organisations, applications and the memberships that grant roles on them."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.models.base import Base, UTCDateTime, utcnow


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def new_ingest_key() -> str:
    return "twi_" + secrets.token_urlsafe(32)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(63))
    display_name: Mapped[str] = mapped_column(String(200))
    # The dimension whose value identifies a device for rollout buckets (when no ?toss=).
    identifier_dimension: Mapped[str | None] = mapped_column(String(63))
    # The dimension whose value names the channel an Airborne device follows ("production"
    # when absent or empty); None: Airborne devices follow "production" only.
    channel_dimension: Mapped[str | None] = mapped_column(String(63))
    # Bumped in the same transaction as any change to what devices are served.
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
    # The last package version handed out; allocation increments it under a row lock.
    last_package_version: Mapped[int] = mapped_column(Integer, default=0)
    # Authenticates device events (POST /analytics/events, header x-ingest-key).
    ingest_key: Mapped[str] = mapped_column(String(64), default=lambda: new_ingest_key())
    # Accept events without the key (for integrations that cannot add a header).
    ingest_keyless: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OrgMember(Base):
    __tablename__ = "org_members"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(10))
    managed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppMember(Base):
    __tablename__ = "app_members"

    app_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(10))
    managed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
