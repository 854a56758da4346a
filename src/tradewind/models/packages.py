"""Immutable, versioned packages of files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.models.base import Base, JSONType, UTCDateTime, utcnow


class Package(Base):
    __tablename__ = "packages"
    __table_args__ = (UniqueConstraint("app_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    index_file_id: Mapped[int] = mapped_column(
        ForeignKey("files.id", deferrable=True, initially="IMMEDIATE")
    )
    properties: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PackageFile(Base):
    """Membership of a file in a package: kind is `index`, `important` or `lazy`."""

    __tablename__ = "package_files"

    package_id: Mapped[int] = mapped_column(
        ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True
    )
    file_id: Mapped[int] = mapped_column(
        ForeignKey("files.id", deferrable=True, initially="IMMEDIATE"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0)
