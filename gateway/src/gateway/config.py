"""Settings of the gateway (environment prefix ``GATEWAY_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends
from onewindow_kit.dependencies import settings_dependency
from onewindow_kit.settings import BaseServiceSettings
from onewindow_kit.sms import SmsSettings
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

# The fixed part of the route table: public prefix -> (upstream name, prefix kept upstream?).
# Only the base URLs of the upstreams are configuration.
ROUTES: tuple[tuple[str, str, bool], ...] = (
    ("/api/intake", "intake", False),
    ("/api/mediation", "mediation", False),
    ("/api/arbitration", "arbitration-bridge", False),
    ("/api/court", "court-bridge", False),
    ("/partner/court/v1", "court-bridge", True),
    ("/partner/arbitration/v1", "arbitration-bridge", True),
)


def _default_upstreams() -> dict[str, str]:
    # The loopback ports of deploy/services.toml; every other run mode sets GATEWAY_UPSTREAMS.
    return {
        "intake": "http://127.0.0.1:8101",
        "mediation": "http://127.0.0.1:8102",
        "arbitration-bridge": "http://127.0.0.1:8103",
        "court-bridge": "http://127.0.0.1:8104",
    }


class GatewaySettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "gateway"
    database_url: str = "sqlite+aiosqlite:///var/db/gateway.sqlite3"
    database_echo: bool = False

    # Signing keys (RSA, one file per key, mode 0600). Several replicas may share the folder.
    keys_dir: Path = Path("var/keys")
    keys_reload_seconds: float = 5.0  # how often a running gateway looks for a rotation
    key_retire_margin_seconds: int = 300  # retired keys stay published access_token_ttl + this

    # Tokens.
    jwt_issuer: str = "onewindow-gateway"
    jwt_audience: str = "onewindow"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 12 * 3600  # one login lasts a working day, rotation or not

    # Password hashing (argon2id). Tests lower the cost; hashes carry their own parameters.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 2
    hashing_threads: int = 4  # concurrent hash computations (each takes argon2_memory_kib)

    # Login throttling.
    login_max_failures: int = 5
    login_lockout_base_seconds: int = 30
    login_lockout_max_seconds: int = 900
    # Failed grants per client IP (unknown usernames, bad client secrets): a token bucket.
    login_ip_failure_burst: int = 20
    login_ip_failures_per_minute: float = 10.0

    # Parties' sign-in with an SMS code (docs/decisions/0021).
    party_code_ttl_seconds: int = 300
    party_code_length: int = Field(default=6, ge=4, le=8)
    party_code_max_attempts: int = 5
    party_code_resend_seconds: int = 60  # per number and purpose
    party_codes_per_number_per_hour: int = 8
    party_code_requests_burst: int = 10  # per client address
    party_code_requests_per_minute: float = 5.0
    party_token_ttl_seconds: int = 900
    party_confirmation_ttl_seconds: int = 300
    # The codes' HMAC key (gateway/party/pepper.py): {key id: base64 32 bytes}, or the key file
    # (default <keys_dir>/party-code-keys, created on first start). Rotation: docs/decisions/0021.
    party_code_keys: dict[str, str] = Field(default_factory=dict)
    party_code_key_active: str = ""
    party_code_key_file: Path | None = None
    # SMS (GATEWAY_SMS__PROVIDER=aliyun, GATEWAY_SMS__ENDPOINT=…): memory records messages in the
    # process, readable at /dev/sms/messages outside production.
    sms: SmsSettings = Field(default_factory=lambda: SmsSettings(per_number_per_minute=2, per_number_per_hour=10))

    # Routing.
    upstreams: dict[str, str] = Field(default_factory=_default_upstreams)
    upstream_connect_timeout_seconds: float = 3.0
    upstream_timeout_seconds: float = 60.0  # waiting for a response head or the next body chunk
    upstream_max_connections: int = 256  # per upstream
    # Below uvicorn's 5 s keep-alive so the gateway drops an idle connection before the upstream does.
    upstream_keepalive_seconds: float = 4.0
    health_timeout_seconds: float = 2.0
    # Behind a trusted ingress, keep its X-Forwarded-Proto/Host and append to its X-Forwarded-For.
    trust_forwarded_headers: bool = False

    # Limits.
    rate_limit_enabled: bool = True
    rate_limit_per_second: float = 20.0
    rate_limit_burst: int = 100
    max_body_bytes: int = 2 * 1024 * 1024
    # Upload routes with their own, larger body limit ({path regex: bytes}, POST/PUT only): intake's
    # evidence uploads (INTAKE_ATTACHMENT_MAX_BYTES, 20 MiB by default, plus the multipart framing).
    body_limits: dict[str, int] = Field(
        default_factory=lambda: {r"/api/intake/cases/[^/]+/attachments": 20 * 1024 * 1024 + 64 * 1024}
    )
    cors_origins: list[str] = Field(default_factory=list)

    # The clerks' single-page app.
    spa_dir: Path = Path("web/dist")

    @property
    def resolved_party_code_key_file(self) -> Path:
        return self.party_code_key_file or self.keys_dir / "party-code-keys"

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> GatewaySettings:
        if self.environment == "production" and self.database_url.startswith("sqlite"):
            raise ValueError("production runs on PostgreSQL; database_url is SQLite")
        if self.environment == "production" and self.sms.provider == "memory":
            raise ValueError("production sends real text messages: set GATEWAY_SMS__PROVIDER")
        unknown = {name for _, name, _ in ROUTES} - set(self.upstreams)
        if unknown and self.environment == "production":
            raise ValueError(f"upstreams lacks: {', '.join(sorted(unknown))}")
        return self


# The gateway's settings as a route dependency (``settings: SettingsDep``).
SettingsDep = Annotated[GatewaySettings, Depends(settings_dependency(GatewaySettings))]
