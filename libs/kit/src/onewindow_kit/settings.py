"""Settings base shared by every OneWindow process.

Each service subclasses :class:`ServiceSettings` with its own ``env_prefix`` (``INTAKE_``,
``MEDIATION_``…), so one environment can configure every process without collisions.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev", "development"}


class BaseServiceSettings(BaseSettings):
    """Fields every process has. Subclasses set ``model_config`` with their env prefix."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    environment: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    # Human-facing name of the process, used in logs, health and problem ``instance`` fields.
    service_name: str = "service"
    # Tracing (onewindow_kit.tracing): none | console | otlp; off by default.
    otel_exporter: Literal["none", "console", "otlp"] = "none"
    # Server processes sharing the port on one host (`serve --processes`); each is a replica with
    # its own pool and workers, so more than one needs PostgreSQL. Clusters scale by replicas instead.
    processes: int = Field(1, ge=1)


class ServiceSettings(BaseServiceSettings):
    """Settings of a domain service (intake, mediation, the bridges)."""

    database_url: str = "sqlite+aiosqlite:///var/db/service.sqlite3"
    database_echo: bool = False
    # Largest request body the service parses (413 above it); the gateway bounds bodies too.
    max_body_bytes: int = 1024 * 1024

    # Token verification: the gateway is the only issuer.
    gateway_url: str = "http://127.0.0.1:8000"
    jwks_url: str | None = None  # default: {gateway_url}/.well-known/jwks.json
    jwks_json: str | None = None  # a pinned JWKS document instead of fetching (tests, air-gapped)
    jwt_issuer: str = "onewindow-gateway"
    jwt_audience: str = "onewindow"
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["RS256"])

    # This service's own client credentials, for calling other services and delivering events.
    service_client_id: str = ""
    service_client_secret: str = ""

    # Subscribers of this service's events: name -> base URL (``POST {url}/internal/events``).
    peers: dict[str, str] = Field(default_factory=dict)

    # Personal data at rest (DOMAIN.md §9): {key id: base64 32-byte key}; the active one encrypts,
    # the lookup key makes keyed hashes. No defaults: `make run` generates them into var/ once.
    data_keys: dict[str, str] = Field(default_factory=dict)
    data_key_active: str = "k1"
    lookup_key: str = ""

    # Event relay.
    relay_enabled: bool = True
    relay_poll_seconds: float = 1.0
    # Background workers sleep this long when idle while wake-on-work is live (commits wake them);
    # ``relay_poll_seconds`` is their fallback while it is not (PostgreSQL LISTEN connection down).
    worker_idle_seconds: float = 30.0
    relay_batch_size: int = 50
    relay_backoff_base_seconds: float = 1.0
    relay_backoff_max_seconds: float = 300.0
    relay_stuck_after_attempts: int = 10
    relay_timeout_seconds: float = 10.0

    # File storage (``onewindow_kit.storage``): ``local`` keeps files under ``storage_dir`` (default
    # ``var/files/<service_name>``); ``s3`` uses an S3-compatible object store.
    storage_backend: Literal["local", "s3"] = "local"
    storage_dir: str = ""
    storage_s3_endpoint_url: str | None = None  # e.g. https://oss-cn-shenzhen.aliyuncs.com, http://minio:9000
    storage_s3_bucket: str = ""
    storage_s3_prefix: str = ""  # e.g. "intake/" when services share a bucket
    storage_s3_region: str = "us-east-1"
    storage_s3_access_key_id: str = ""
    storage_s3_secret_access_key: str = ""
    storage_s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    storage_s3_part_bytes: int = 8 * 1024 * 1024  # multipart part size (at least 5 MiB)

    @property
    def resolved_jwks_url(self) -> str:
        return self.jwks_url or f"{self.gateway_url.rstrip('/')}/.well-known/jwks.json"

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> ServiceSettings:
        if self.environment == "production":
            if self.service_client_secret.strip().lower() in PLACEHOLDER_SECRETS:
                raise ValueError("service_client_secret must be set to a real secret in production")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production runs on PostgreSQL; database_url is SQLite")
            if self.storage_backend == "s3" and not self.storage_s3_bucket:
                raise ValueError("storage_s3_bucket must be set when storage_backend is s3")
        return self
