"""Wire types of the key-management routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

Algorithm = Literal["es256", "rsa-v1_5-sha256"]
KEY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class SigningKeyCreate(BaseModel):
    """Generate a key (give `algorithm`), or import one (give `private_pem`)."""

    model_config = ConfigDict(extra="forbid")

    algorithm: Algorithm | None = Field(
        None, description="Required when generating; checked against an imported key."
    )
    key_id: str | None = Field(
        None, pattern=KEY_ID_PATTERN, description="The keyid devices see; default generated."
    )
    private_pem: str | None = Field(
        None, max_length=16384, description="An unencrypted PEM private key to import."
    )
    default: StrictBool | None = Field(
        None, description="Make it its algorithm's default (default: when there is none)."
    )
    common_name: str = Field(
        "", max_length=64, description="RSA: subject of the certificate (default: the key id)."
    )
    certificate_days: int | None = Field(
        None,
        ge=1,
        le=36500,
        description="RSA: certificate validity, days (default TRADEWIND_SIGNING_CERTIFICATE_DAYS).",
    )


class SigningKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key_id: str
    algorithm: str
    is_default: bool
    disabled: bool
    imported: bool
    fingerprint: str = Field(description="SHA-256 (hex) of the SubjectPublicKeyInfo DER.")
    public_pem: str = Field(description="The public key, PEM SubjectPublicKeyInfo.")
    certificate_pem: str | None = Field(description="RSA keys: the self-signed certificate.")
    created_at: datetime


class UploadKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_id: str = Field(pattern=KEY_ID_PATTERN)
    public_pem: str = Field(max_length=16384, description="PEM SubjectPublicKeyInfo.")


class UploadKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key_id: str
    algorithm: str
    fingerprint: str
    public_pem: str
    disabled: bool
    created_at: datetime


class UploadPolicyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    require_signature: StrictBool
