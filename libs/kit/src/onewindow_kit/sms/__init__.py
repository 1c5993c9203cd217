"""Text messages (短信): templates in one place, one sender, provider adapters and a simulator.

``build_sms_sender(settings, http)`` picks the provider from ``SmsSettings``: ``memory`` (records
messages in-process: development and tests) or ``aliyun`` (Dysmsapi; point ``sms_endpoint`` at
``onewindow_kit.sms.simulator`` to exercise it without the real service).
"""

from __future__ import annotations

import httpx
from pydantic import BaseModel, Field

from onewindow_kit.sms.aliyun import AliyunSmsProvider
from onewindow_kit.sms.memory import MemoryProvider, RecordedSms
from onewindow_kit.sms.provider import (
    DeliveryReceipt,
    NumberRateLimit,
    OutgoingSms,
    SmsProvider,
    SmsRateLimited,
    SmsSender,
    SmsUnavailable,
    mask,
    normalise_mobile,
)
from onewindow_kit.sms.templates import TEMPLATES, SmsTemplate, SmsTemplateId, render


class SmsSettings(BaseModel):
    """A process's SMS configuration (nested in its settings: ``<PREFIX>SMS__PROVIDER=aliyun``)."""

    provider: str = "memory"  # memory | aliyun
    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    access_key_id: str = ""
    access_key_secret: str = ""
    sign_name: str = "一站式调处中心"
    region_id: str = "cn-hangzhou"
    template_codes: dict[str, str] = Field(default_factory=dict)  # our template id -> SMS_…
    per_number_per_minute: int = 1
    per_number_per_hour: int = 5


def build_sms_sender(settings: SmsSettings, http: httpx.AsyncClient | None = None) -> SmsSender:
    """The sender for these settings (``http`` is required for a remote provider)."""
    limit = NumberRateLimit(per_minute=settings.per_number_per_minute, per_hour=settings.per_number_per_hour)
    if settings.provider == "memory":
        return SmsSender(MemoryProvider(), limit=limit)
    if settings.provider == "aliyun":
        if http is None:
            raise ValueError("the aliyun SMS provider needs an HTTP client")
        codes = settings.template_codes or {t.value: f"SMS_{t.value.upper()}" for t in SmsTemplateId}
        provider = AliyunSmsProvider(
            access_key_id=settings.access_key_id,
            access_key_secret=settings.access_key_secret,
            sign_name=settings.sign_name,
            template_codes=codes,
            http=http,
            endpoint=settings.endpoint,
            region_id=settings.region_id,
        )
        return SmsSender(provider, limit=limit)
    raise ValueError(f"unknown SMS provider {settings.provider!r}")


__all__ = [
    "TEMPLATES",
    "AliyunSmsProvider",
    "DeliveryReceipt",
    "MemoryProvider",
    "NumberRateLimit",
    "OutgoingSms",
    "RecordedSms",
    "SmsProvider",
    "SmsRateLimited",
    "SmsSender",
    "SmsSettings",
    "SmsTemplate",
    "SmsTemplateId",
    "SmsUnavailable",
    "build_sms_sender",
    "mask",
    "normalise_mobile",
    "render",
]
