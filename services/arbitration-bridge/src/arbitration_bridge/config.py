"""arbitration-bridge settings (env prefix ``ARBITRATION_``)."""

from onewindow_kit.settings import ServiceSettings
from onewindow_kit.webhooks.settings import WebhookSettings
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict


class ArbitrationBridgeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARBITRATION_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "arbitration-bridge"
    database_url: str = "sqlite+aiosqlite:///var/db/arbitration.sqlite3"

    # Signed webhooks to the commissions (ARBITRATION_WEBHOOKS__RETRY_SCHEDULE_SECONDS='[5, 300, …]',
    # ARBITRATION_WEBHOOKS__ALLOWED_NETWORKS='["127.0.0.1/32"]' for the demo's simulator on loopback).
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)

    # The centre a commission's referrals are registered at when its registry entry names none.
    default_center_id: str = "futian"
    # Accept a referral as soon as its case is registered. Off: clerks accept or decline; a referral
    # nobody decided is accepted on its due day when ``auto_accept_when_due`` is on, so the
    # commission always has an answer. No statute fixes this period for arbitration referrals: it is
    # what the centre and the commission agreed (config), counted in working days.
    auto_accept: bool = True
    auto_accept_when_due: bool = True
    acceptance_working_days: int = Field(default=3, ge=1, le=30)

    # Transfers and reviews go to the commission registered for the case's centre; with several
    # (or none) registered there, this one, unless the clerk names another.
    default_partner_id: str | None = None

    # The background work: registering referrals at intake when it was down, gathering the parties'
    # service addresses for failed referrals, preparing transfers and reviews (the file and the
    # identities from intake), accepting on the due day, flagging transfers the commission has not
    # answered within its 5 working days (劳动争议调解仲裁法 第29条; 办案规则 第30条、第80条).
    worker_enabled: bool = True
    worker_poll_seconds: float = 2.0  # fallback while wake-on-work is down
    worker_idle_seconds: float = 30.0  # sleep when idle while commits wake the worker
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    intake_timeout_seconds: float = 5.0

    max_body_bytes: int = 1024 * 1024  # the gateway bounds bodies too; this holds without it

    @model_validator(mode="after")
    def _keys_present(self) -> "ArbitrationBridgeSettings":
        if not self.data_keys or not self.lookup_key:
            raise ValueError(
                "ARBITRATION_DATA_KEYS and ARBITRATION_LOOKUP_KEY must be set: referrals and transfers "
                "carry parties' identities and webhook secrets, stored encrypted (make run generates "
                "the keys into var/)"
            )
        return self
