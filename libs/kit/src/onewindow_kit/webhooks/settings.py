"""Webhook delivery settings, nested in a bridge's settings (``<PREFIX>WEBHOOKS__…`` variables)."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, Field, field_validator

# The partner contracts' schedule: retried after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
DEFAULT_RETRY_SCHEDULE = [5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 50400.0, 72000.0, 86400.0]


class WebhookSettings(BaseModel):
    """How a bridge delivers signed webhooks to its partners."""

    enabled: bool = True  # run the deliverer in this process
    # Seconds to wait after the 1st, 2nd… failed attempt; after the last one the message is failed
    # (kept, visible, replayable). Tests compress it, e.g. [0.05, 0.05].
    retry_schedule_seconds: list[float] = Field(default_factory=lambda: list(DEFAULT_RETRY_SCHEDULE))
    retry_jitter: float = Field(default=0.1, ge=0, le=0.5)  # ± fraction, so retries after an outage spread out
    timeout_seconds: float = Field(default=15.0, gt=0)  # the whole exchange, connect to last byte
    poll_seconds: float = Field(default=1.0, gt=0)  # fallback while wake-on-work is down
    idle_seconds: float = Field(default=30.0, gt=0)  # sleep when idle while commits wake the dispatcher
    batch_size: int = Field(default=200, ge=1)
    max_concurrency: int = Field(default=8, ge=1)  # per partner, across referrals (order holds per referral)
    # Secret rotation: the previous secret keeps signing (alongside the new one) for this long.
    secret_overlap_hours: float = Field(default=24.0, ge=0)

    # Outbound URL guard (SSRF): partners' URLs must be https and resolve only to public addresses.
    require_https: bool = True
    # Hosts allowed as webhook targets ("court.example.cn", "*.court.gov.cn"); empty: any public host.
    allowed_hosts: list[str] = Field(default_factory=list)
    # Networks allowed although internal, e.g. ["127.0.0.1/32"] for tests and the demo, or a court's
    # address on a private government network. Empty: none.
    allowed_networks: list[str] = Field(default_factory=list)

    @field_validator("retry_schedule_seconds")
    @classmethod
    def _schedule(cls, value: list[float]) -> list[float]:
        if any(v < 0 for v in value):
            raise ValueError("retry delays are not negative")
        return value

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for net in value:
            ipaddress.ip_network(net, strict=False)
        return value
