"""Content-addressed blobs, files (path -> content) and the cleanup outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.models.base import Base, UTCDateTime, utcnow


class Blob(Base):
    """Bytes stored once per application, keyed by SHA-256."""

    __tablename__ = "blobs"
    __table_args__ = (UniqueConstraint("app_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    # The type of the first upload of these bytes: what the asset route and S3 serve.
    content_type: Mapped[str] = mapped_column(String(200))
    # Compressed variants stored next to the blob ("br,gzip", "" for none); NULL until the
    # background compressor has looked at it (tradewind.compression).
    encodings: Mapped[str | None] = mapped_column(String(50), index=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class File(Base):
    """A path inside an application bound to one content; each new content is a new row."""

    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("app_id", "path", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(200))
    # Deferrable (checked per statement unless deferred): deleting an application cascades to
    # both ends of these in-app references, which PostgreSQL can only check at commit.
    blob_id: Mapped[int] = mapped_column(
        ForeignKey("blobs.id", deferrable=True, initially="IMMEDIATE"), index=True
    )
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CleanupOutbox(Base):
    """Storage keys that may be orphaned; a background drain deletes unreferenced ones."""

    __tablename__ = "cleanup_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(300), index=True)
    reason: Mapped[str] = mapped_column(String(50))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
