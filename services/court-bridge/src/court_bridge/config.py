"""court-bridge settings (env prefix ``COURT_``)."""

from onewindow_kit.settings import ServiceSettings
from onewindow_kit.webhooks.settings import WebhookSettings
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict


class CourtBridgeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="COURT_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "court-bridge"
    database_url: str = "sqlite+aiosqlite:///var/db/court.sqlite3"

    # Signed webhooks to the courts (COURT_WEBHOOKS__RETRY_SCHEDULE_SECONDS='[5, 300, …]',
    # COURT_WEBHOOKS__ALLOWED_NETWORKS='["127.0.0.1/32"]' for the demo's simulator on loopback).
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)

    # The centre a court's referrals are registered at when its registry entry names none.
    default_center_id: str = "futian"
    # Accept a referral as soon as its case is registered (the centre answers within 3 working
    # days, 人民法院在线调解规则 第12条). Off: clerks accept or decline; a referral nobody decided
    # is accepted on its due day when ``auto_accept_when_due`` is on, so the court always has an answer.
    auto_accept: bool = True
    auto_accept_when_due: bool = True

    # The background work: registering referrals at intake when it was down, preparing 司法确认
    # applications (identities from intake), accepting on the due day.
    worker_enabled: bool = True
    worker_poll_seconds: float = 2.0  # fallback while wake-on-work is down
    worker_idle_seconds: float = 30.0  # sleep when idle while commits wake the worker
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    intake_timeout_seconds: float = 5.0

    max_body_bytes: int = 1024 * 1024  # the gateway bounds bodies too; this holds without it

    @model_validator(mode="after")
    def _keys_present(self) -> "CourtBridgeSettings":
        if not self.data_keys or not self.lookup_key:
            raise ValueError(
                "COURT_DATA_KEYS and COURT_LOOKUP_KEY must be set: referrals carry parties' "
                "identities and webhook secrets, stored encrypted (make run generates the keys into var/)"
            )
        return self
