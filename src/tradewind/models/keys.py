"""Key management: the keyring's canary, signing keys per application, upload verification."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.models.base import Base, UTCDateTime, utcnow


class KeyringCanary(Base):
    """One sealed value written on first start: if the configured key-encryption key cannot
    open it, the server refuses to start (wrong key file, missing key, KMS unreachable)."""

    __tablename__ = "keyring_canary"

    id: Mapped[int] = mapped_column(primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SigningKey(Base):
    """A private key the server signs device answers with; sealed by the keyring at rest."""

    __tablename__ = "signing_keys"
    __table_args__ = (UniqueConstraint("app_id", "key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    # The `keyid` devices see (Airborne x-airborne-signature, Expo expo-signature).
    key_id: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(32))  # "es256" | "rsa-v1_5-sha256"
    public_pem: Mapped[str] = mapped_column(Text)
    certificate_pem: Mapped[str | None] = mapped_column(Text)
    # PKCS#8 DER of the private key, sealed by the keyring (purpose "signing-key").
    private_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # SHA-256 hex of the SubjectPublicKeyInfo DER.
    fingerprint: Mapped[str] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class UploadKey(Base):
    """A public key registered by the team: uploads signed with it are trusted."""

    __tablename__ = "upload_keys"
    __table_args__ = (UniqueConstraint("app_id", "key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    key_id: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(32))
    public_pem: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UploadPolicy(Base):
    """An application's upload rule: when required, every package needs a valid signature."""

    __tablename__ = "upload_policies"

    app_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    require_signature: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
