"""CodePush deployments (channels with a device key) and the CodePush form of releases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.models.base import Base, JSONType, UTCDateTime, utcnow


class CodePushDeployment(Base):
    """A named deployment of an application: one Tradewind channel and its deployment key.

    The key itself is stored sealed (AES-GCM under the server's secret key) so members can
    read it; devices are matched by its SHA-256, which is all the device path holds.
    """

    __tablename__ = "codepush_deployments"
    __table_args__ = (
        UniqueConstraint("app_id", "name", name="uq_codepush_deployments_app_name"),
        UniqueConstraint("app_id", "channel", name="uq_codepush_deployments_app_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(63))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CodePushRelease(Base):
    """The CodePush side of a Tradewind release: label, package hash, zip, disabled flag."""

    __tablename__ = "codepush_releases"
    __table_args__ = (UniqueConstraint("deployment_id", "label_number"),)

    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("codepush_deployments.id", ondelete="CASCADE"), index=True
    )
    label_number: Mapped[int] = mapped_column(Integer)
    package_hash: Mapped[str] = mapped_column(String(64))
    # {relative path: sha256 hex} of every file that counts for the package hash.
    manifest: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    zip_blob_id: Mapped[int] = mapped_column(
        ForeignKey("blobs.id", deferrable=True, initially="IMMEDIATE"), index=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # False until the background builder made this release's diff zips.
    diffs_built: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CodePushDiff(Base):
    """A diff zip from an older package (by its hash) to a release's package."""

    __tablename__ = "codepush_diffs"
    __table_args__ = (UniqueConstraint("release_id", "from_package_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(
        ForeignKey("codepush_releases.release_id", ondelete="CASCADE")
    )
    from_package_hash: Mapped[str] = mapped_column(String(64))
    blob_id: Mapped[int] = mapped_column(
        ForeignKey("blobs.id", deferrable=True, initially="IMMEDIATE"), index=True
    )
    size: Mapped[int] = mapped_column(BigInteger)
