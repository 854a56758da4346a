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
    # What an interactive sign-in whose ID token and userinfo carry no groups claim means:
    # "empty" (member of no group: managed roles are removed) or "keep" (leave them as they are).
    missing_groups_claim: Literal["empty", "keep"] = "empty"
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

    # --- database faults (docs/reliability.md) --------------------------------------------
    # Every database wait is bounded, so a stopped or frozen database answers 503 quickly.
    database_connect_timeout_seconds: float = Field(5.0, gt=0, le=300)
    database_statement_timeout_seconds: float = Field(30.0, gt=0, le=3600)
    database_pool_timeout_seconds: float = Field(5.0, gt=0, le=300)
    database_busy_timeout_seconds: float = Field(5.0, gt=0, le=300)
    # How long /health/ready waits for its checks before answering "not ready".
    readiness_timeout_seconds: float = Field(1.0, gt=0, le=60)
    # The Retry-After of `database_unavailable` answers.
    database_retry_after_seconds: int = Field(5, ge=1, le=3600)

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
    # Brotli/gzip variants of compressible blobs, made in the background, served on request.
    compression_enabled: bool = True
    compression_brotli_quality: int = Field(11, ge=0, le=11)

    # --- device path --------------------------------------------------------------------
    device_cache_control: str = "public, max-age=0, s-maxage=60"
    snapshot_poll_interval_seconds: float = Field(0.5, gt=0, le=60)

    # --- device signals (docs/analytics.md) ----------------------------------------------
    signals_enabled: bool = True
    signals_flush_interval_seconds: float = Field(5.0, gt=0, le=300)
    signals_minute_retention_hours: int = Field(48, ge=1)
    signals_hour_retention_days: int = Field(30, ge=1)
    signals_retention_days: int = Field(400, ge=1)
    signals_prune_interval_seconds: float = Field(3600.0, gt=0)
    ingest_max_events: int = Field(500, ge=1, le=100_000)
    ingest_max_body_size: int = Field(1024 * 1024, ge=1024)
    ingest_rate_per_second: float = Field(20.0, gt=0)
    ingest_rate_burst: int = Field(200, ge=1)
    # Behind a reverse proxy: the header holding the client address (its last entry is used).
    ingest_client_address_header: str = ""

    # --- background work ----------------------------------------------------------------
    outbox_interval_seconds: float = Field(5.0, gt=0)
    # How long a freshly written blob may wait for its database commit before the cleanup
    # drain treats it as orphaned: must exceed the longest upload-to-commit time.
    cleanup_grace_seconds: int = Field(3600, ge=1)
    outbox_max_backoff_seconds: float = Field(3600.0, gt=0)
    # How often the rollout guard judges in-progress releases (docs/analytics.md).
    guard_interval_seconds: float = Field(15.0, gt=0, le=3600)
    # Leftovers of interrupted uploads (temp files, partial blob copies) untouched this long
    # are removed, at start and every interval (docs/reliability.md).
    temp_sweep_age_seconds: int = Field(3600, ge=60)
    temp_sweep_interval_seconds: float = Field(600.0, gt=0)

    # --- key management (docs/security.md) -------------------------------------------------
    # Where the key-encryption key (KEK) that wraps every stored secret's data key lives.
    key_provider: Literal["local", "aws-kms"] = "local"
    # local: base64 32-byte keys, comma-separated, the first encrypts; empty: the key file.
    master_key: SecretStr | None = None
    # local: the key file (created 0600 on first start); empty: <data_dir>/master.key.
    key_file: Path | None = None
    # aws-kms: the KMS key (id, ARN or alias) and how to reach KMS.
    kms_key_id: str = ""
    kms_region: str = "us-east-1"
    kms_endpoint_url: str | None = None
    kms_access_key_id: str | None = None
    kms_secret_access_key: SecretStr | None = None
    # Validity of the self-signed certificate made with each new RSA (Expo) signing key.
    signing_certificate_days: int = Field(3650, ge=1, le=36500)
    # --- operations (docs/operations.md) ---------------------------------------------------
    metrics_enabled: bool = True
    # When set, GET /metrics requires `Authorization: Bearer <token>`.
    metrics_token: SecretStr | None = None
    # How often each worker moves its device-check tallies into the shared metrics.
    metrics_sync_interval_seconds: float = Field(1.0, gt=0, le=60)
    log_format: Literal["text", "json"] = "text"
    # After SIGTERM: seconds of "not ready" (load balancers stop sending) before the drain.
    shutdown_drain_seconds: float = Field(0.0, ge=0, le=300)
    # After the drain: seconds a worker may take to stop before it is killed.
    shutdown_timeout_seconds: int = Field(60, ge=1, le=3600)

    # --- CDN purge (docs/operations.md#cdn-purge) -------------------------------------------
    cdn_purge_provider: Literal["none", "cloudfront", "http"] = "none"
    cdn_cloudfront_distribution_id: str = ""
    cdn_cloudfront_endpoint_url: str | None = None
    cdn_cloudfront_access_key_id: str | None = None
    cdn_cloudfront_secret_access_key: SecretStr | None = None
    # "http": one request per changed path, `{path}` replaced by the URL-encoded path.
    cdn_purge_url_template: str = ""
    cdn_purge_http_method: Literal["POST", "PURGE", "GET", "DELETE", "PUT"] = "POST"
    cdn_purge_http_headers: dict[str, SecretStr] = Field(default_factory=dict)
    cdn_purge_interval_seconds: float = Field(1.0, gt=0, le=300)
    cdn_purge_max_attempts: int = Field(8, ge=1, le=100)
    cdn_purge_max_backoff_seconds: float = Field(300.0, gt=0)
    # --- invitations and mail (docs/invitations.md) -----------------------------------------
    invitation_ttl_hours: int = Field(72, ge=1, le=30 * 24)
    # Invitation links are mailed when smtp_host is set; they are always shown to copy.
    smtp_host: str = ""
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_from: str = "tradewind@localhost"
    smtp_timeout_seconds: float = Field(10.0, gt=0, le=120)

    # --- webhooks (docs/webhooks.md) -----------------------------------------------------------
    # Allow webhook URLs resolving to loopback, link-local, private or unspecified addresses.
    webhook_allow_private_targets: bool = False
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=120)
    webhook_max_attempts: int = Field(8, ge=1, le=50)
    # The drain's poll interval, and the first retry delay (doubling up to the maximum).
    webhook_interval_seconds: float = Field(1.0, gt=0, le=300)
    webhook_max_backoff_seconds: float = Field(3600.0, gt=0)

    @model_validator(mode="after")
    def _check_production_secrets(self) -> Settings:
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ValueError("TRADEWIND_S3_BUCKET is required when TRADEWIND_STORAGE_BACKEND=s3")
        if self.cdn_purge_provider == "cloudfront" and not self.cdn_cloudfront_distribution_id:
            raise ValueError(
                "TRADEWIND_CDN_CLOUDFRONT_DISTRIBUTION_ID is required with the cloudfront purge"
            )
        if self.cdn_purge_provider == "http" and "{path}" not in self.cdn_purge_url_template:
            raise ValueError("TRADEWIND_CDN_PURGE_URL_TEMPLATE must contain {path}")
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

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "master.key"

    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
        return (self.public_base_url or f"http://{host}:{self.port}").rstrip("/")

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
