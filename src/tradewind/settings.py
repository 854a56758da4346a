"""The one settings class. Every field is documented in docs/configuration.md."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tradewind.errors import ConfigurationError


class OIDCProviderSettings(BaseModel):
    """One OpenID Connect provider (an item of TRADEWIND_OIDC_PROVIDERS; see
    docs/authentication.md). Semantic problems (missing secret, unreachable issuer) do not stop
    the server: they are logged and reported by the `oidc` readiness check."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
    display_name: str = ""
    issuer: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    client_secret: SecretStr | None = None
    # Expected `aud` of API access tokens; empty means the client id.
    audience: str | None = None
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])
    email_claim: str = "email"
    allowed_email_domains: list[str] = Field(default_factory=list)
    auto_create_users: bool = False
    groups_claim: str | None = None
    group_mapping: bool = False
    # A public client for `tradewind login --sso` device sign-in; empty means client_id.
    cli_client_id: str | None = None


class Settings(BaseSettings):
    """Tradewind settings, read from `TRADEWIND_*` environment variables (or a `.env` file)."""

    model_config = SettingsConfigDict(
        env_prefix="TRADEWIND_", env_file=".env", extra="ignore", frozen=True
    )

    # --- deployment ---------------------------------------------------------------------
    data_dir: Path = Field(Path("tradewind-data"), description="Embedded-mode data directory.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means SQLite at <data_dir>/tradewind.db."
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Server secret (cookie signing, encryption). Required with PostgreSQL; "
        "generated into <data_dir>/secret_key in embedded mode.",
    )
    public_base_url: str = Field(
        "", description="Absolute URL devices use to reach this server (asset URLs)."
    )
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Largest management-API request body (JSON); routers that stream uploads set their own.
    max_request_body_size: int = Field(1024 * 1024, ge=1024)

    # --- bootstrap and accounts ---------------------------------------------------------
    admin_email: str | None = None
    admin_password: SecretStr | None = None
    org_creation: Literal["any_user", "site_admins"] = "any_user"
    session_ttl_seconds: int = Field(7 * 24 * 3600, ge=60)
    password_min_length: int = Field(10, ge=8, le=128)
    login_max_failures_per_account: int = Field(5, ge=1)
    login_max_failures_per_ip: int = Field(20, ge=1)
    login_failure_window_seconds: int = Field(900, ge=1)

    # --- single sign-on (OIDC) -------------------------------------------------------------
    oidc_providers: list[OIDCProviderSettings] = Field(default_factory=list)
    oidc_jwks_ttl_seconds: int = Field(3600, ge=60, le=7 * 86400)
    oidc_clock_leeway_seconds: int = Field(30, ge=0, le=300)

    # --- storage ------------------------------------------------------------------------
    storage_backend: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_region: str = "us-east-1"
    s3_endpoint_url: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_public_base_url: str | None = None
    s3_presign_ttl_seconds: int = Field(86400, ge=60, le=7 * 86400)
    max_file_size: int = Field(256 * 1024 * 1024, ge=1)
    max_archive_entries: int = Field(10_000, ge=1)
    max_archive_total_size: int = Field(2 * 1024 * 1024 * 1024, ge=1)
    max_archive_ratio: int = Field(200, ge=1)

    # --- device path --------------------------------------------------------------------
    device_cache_control: str = "public, max-age=0, s-maxage=60"
    snapshot_poll_interval_seconds: float = Field(0.5, gt=0, le=60)

    # --- background work ----------------------------------------------------------------
    outbox_interval_seconds: float = Field(5.0, gt=0)
    # How long a freshly written blob may wait for its database commit before the cleanup
    # drain treats it as orphaned: must exceed the longest upload-to-commit time.
    cleanup_grace_seconds: int = Field(3600, ge=1)
    outbox_max_backoff_seconds: float = Field(3600.0, gt=0)

    @model_validator(mode="after")
    def _check_production_secrets(self) -> Settings:
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ValueError("TRADEWIND_S3_BUCKET is required when TRADEWIND_STORAGE_BACKEND=s3")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def resolved_database_url(self) -> str:
        """The async SQLAlchemy URL, normalising `postgresql://` to asyncpg."""
        url = self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'tradewind.db'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        if url.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + url[len("sqlite://") :]
        return url

    def base_url(self) -> str:
        return (self.public_base_url or f"http://{self.host}:{self.port}").rstrip("/")

    def resolved_secret_key(self) -> str:
        """The server secret: from settings, else (embedded mode only) a generated file."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        if not self.is_sqlite:
            raise ConfigurationError(
                "TRADEWIND_SECRET_KEY must be set when using PostgreSQL (production mode)"
            )
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
