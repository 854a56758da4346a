"""Remote configuration: an application's property schema and its cohort dimensions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.models.base import Base, JSONType, UTCDateTime, utcnow


class ConfigProperty(Base):
    """One named remote-config property: its JSON Schema, default value and description."""

    __tablename__ = "config_properties"
    __table_args__ = (UniqueConstraint("app_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    # JSON null is a valid default, so the column holds {"value": <default>}.
    default_value: Mapped[dict[str, Any]] = mapped_column(JSONType)
    schema: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CohortDimension(Base):
    """A dimension computed from a base dimension by ordered cohorts (first match wins).

    Its name is also a row of `dimensions` (type string), so targets and weights use it like
    any other dimension; devices send only the base dimension.
    """

    __tablename__ = "cohort_dimensions"
    __table_args__ = (UniqueConstraint("app_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(63))
    base_dimension: Mapped[str] = mapped_column(String(63))
    # Ordered: [{"name", "at_least": "3.0.0"} | {"name", "members": [...]} | {"name", "otherwise"}]
    cohorts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SavedView(Base):
    """A named filter of an application's releases by dimension values (Airborne's views)."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("app_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(63))
    # {"<dimension>": "<value>"}: releases whose target can apply to such a device.
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
