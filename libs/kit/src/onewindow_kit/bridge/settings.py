"""The settings every partner bridge has; a bridge subclasses with its env prefix (``COURT_``,
``ARBITRATION_``) and adds its own."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import Field, model_validator

from onewindow_kit.settings import ServiceSettings
from onewindow_kit.webhooks.settings import WebhookSettings


class BridgeSettings(ServiceSettings):
    # Signed webhooks to the partners (<PREFIX>WEBHOOKS__RETRY_SCHEDULE_SECONDS='[5, 300, …]',
    # <PREFIX>WEBHOOKS__ALLOWED_NETWORKS='["127.0.0.1/32"]' for the demo's simulator on loopback).
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)

    # The centre a partner's referrals are registered at when its registry entry names none.
    default_center_id: str = "futian"
    # Accept a referral as soon as its case is registered. Off: clerks accept or decline; a referral
    # nobody decided is accepted on its due day when ``auto_accept_when_due`` is on, so the partner
    # always has an answer.
    auto_accept: bool = True
    auto_accept_when_due: bool = True

    # The background work (``onewindow_kit.bridge.worker``): polling interval and back-off of retries.
    worker_enabled: bool = True
    worker_poll_seconds: float = 2.0  # fallback while wake-on-work is down
    worker_idle_seconds: float = 30.0  # sleep when idle while commits wake the worker
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    intake_timeout_seconds: float = 5.0

    max_body_bytes: int = 1024 * 1024  # the gateway bounds bodies too; this holds without it

    # Documents in a bundle come with signed links to fetch them through the gateway: the gateway's
    # address as partners reach it (default: gateway_url) and how long a link works.
    public_url: str | None = None
    document_link_seconds: int = Field(default=7 * 24 * 3600, ge=60)

    # What the bridge stores encrypted, named in the error when the keys are missing.
    encrypted_what: ClassVar[str] = "referrals carry parties' identities and webhook secrets"

    @property
    def document_links(self) -> dict[str, Any]:
        """How a bundle's document links are signed: the ``link_secret``, ``public_url`` and
        ``link_seconds`` keywords of the services that send bundles."""
        return {
            "link_secret": self.lookup_key,
            "public_url": self.public_url or self.gateway_url,
            "link_seconds": self.document_link_seconds,
        }

    @property
    def env_prefix(self) -> str:
        return str(self.model_config.get("env_prefix", ""))

    @model_validator(mode="after")
    def _keys_present(self) -> Self:
        if not self.data_keys or not self.lookup_key:
            prefix = self.env_prefix
            raise ValueError(
                f"{prefix}DATA_KEYS and {prefix}LOOKUP_KEY must be set: {self.encrypted_what}, "
                "stored encrypted (make run generates the keys into var/)"
            )
        return self
