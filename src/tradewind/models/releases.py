"""Dimensions and releases: what each audience of an application is served."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.models.base import Base, JSONType, UTCDateTime, utcnow

UNFINISHED_STATUSES = ("created", "in_progress", "paused")


class Dimension(Base):
    __tablename__ = "dimensions"
    __table_args__ = (UniqueConstraint("app_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(63))
    type: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


_UNFINISHED_SQL = "status IN ('created', 'in_progress', 'paused')"


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (
        # At most one unfinished release per exact target and channel.
        Index(
            "uq_releases_unfinished_target",
            "app_id",
            "channel",
            "target_key",
            unique=True,
            sqlite_where=text(_UNFINISHED_SQL),
            postgresql_where=text(_UNFINISHED_SQL),
        ),
        Index("ix_releases_app_status", "app_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    package_id: Mapped[int] = mapped_column(
        ForeignKey("packages.id", deferrable=True, initially="IMMEDIATE")
    )
    boot_timeout: Mapped[int] = mapped_column(Integer, default=1000)
    release_config_timeout: Mapped[int] = mapped_column(Integer, default=1000)
    config_properties: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    package_properties: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Canonical conditions [{"dimension", "op", "values"}]; target_key: SHA-256 of their JSON.
    target: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    target_key: Mapped[str] = mapped_column(String(2000), default="")
    channel: Mapped[str] = mapped_column(String(63), default="production")
    binary_version_range: Mapped[str | None] = mapped_column(String(200))
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="created")
    rollout_bp: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    rolled_back_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("releases.id", ondelete="SET NULL")
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Experiments: a variant is a release row (status "variant") under its experiment's
    # release, holding its own content and the rollout buckets (0..9999) it is served to.
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    variant_name: Mapped[str | None] = mapped_column(String(63))
    variant_ranges: Mapped[list[list[int]] | None] = mapped_column(JSONType)


class ReleaseResource(Base):
    """A file of the application shipped with a release but outside its package."""

    __tablename__ = "release_resources"

    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    file_id: Mapped[int] = mapped_column(
        ForeignKey("files.id", deferrable=True, initially="IMMEDIATE"), primary_key=True, index=True
    )
