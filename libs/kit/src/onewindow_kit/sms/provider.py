"""The SMS provider interface and the sender every service uses.

``SmsSender.send(template, to, variables)`` renders and checks the message (templates.py), applies
the per-number rate limit, hands it to the configured provider and returns the provider's message
id. Phone numbers appear in logs only masked (``138****1234``); the message text is never logged
(it carries one-time codes). Delivery receipts come back through ``receipt(message_id)``.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from onewindow_kit.errors import BadRequest, TooManyRequests, UpstreamUnavailable
from onewindow_kit.sms.templates import SmsTemplateId, render

log = logging.getLogger("onewindow.sms")

_MOBILE = re.compile(r"1[3-9]\d{9}")

DeliveryStatus = Literal["pending", "delivered", "failed"]


class SmsRateLimited(TooManyRequests):
    """Too many messages to one number; ``retry_after`` seconds until the next one may go."""

    title, slug = "Too many messages", "sms-rate-limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__("发送过于频繁，请稍后再试", retry_after=retry_after, extra={"retry_after": retry_after})
        self.retry_after = retry_after


class SmsUnavailable(UpstreamUnavailable):
    """The provider refused or did not answer; nothing was sent."""

    title, slug = "SMS provider unavailable", "sms-unavailable"


def normalise_mobile(raw: str) -> str:
    """``+86 138-0013-8000`` -> ``13800138000``; a ``BadRequest`` naming ``phone`` otherwise."""
    digits = re.sub(r"[\s-]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.fullmatch(digits):
        raise BadRequest("手机号码格式不正确", errors=[{"field": "phone", "message": "请输入11位手机号码"}])
    return digits


def mask(phone: str) -> str:
    """``13800138000`` -> ``138****8000`` (what logs and screens may show)."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    """One message as a provider receives it: the rendered text and the template's parts."""

    to: str
    template: SmsTemplateId
    variables: dict[str, str]
    text: str


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    message_id: str
    status: DeliveryStatus
    reported_at: datetime | None = None
    error_code: str | None = None


class SmsProvider(Protocol):
    """What a provider adapter implements (memory, Aliyun Dysmsapi, …)."""

    name: str

    async def send(self, message: OutgoingSms) -> str:
        """Deliver the message to the provider; its message id (raise ``SmsUnavailable`` if refused)."""
        ...

    async def receipt(self, message_id: str, *, to: str, sent_on: datetime) -> DeliveryReceipt:
        """The provider's delivery report of a message sent earlier."""
        ...


class NumberRateLimit:
    """At most ``per_minute`` messages a minute and ``per_hour`` an hour to one number, per process.

    It is the provider-side safety net (SMS bombing, a loop gone wrong); features that need a
    durable or cluster-wide limit (the portal's sign-in codes) keep their own in their database."""

    def __init__(self, *, per_minute: int = 1, per_hour: int = 5, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.per_hour = per_hour
        self.clock = clock
        self._sent: dict[str, deque[float]] = defaultdict(deque)

    def check(self, to: str) -> None:
        now = self.clock()
        sent = self._sent[to]
        while sent and now - sent[0] >= 3600:
            sent.popleft()
        last_minute = [t for t in sent if now - t < 60]
        if len(last_minute) >= self.per_minute:
            raise SmsRateLimited(max(1, math.ceil(60 - (now - last_minute[0]))))
        if len(sent) >= self.per_hour:
            raise SmsRateLimited(max(1, math.ceil(3600 - (now - sent[0]))))

    def record(self, to: str) -> None:
        self._sent[to].append(self.clock())


class SmsSender:
    """The one way services send a text message."""

    def __init__(self, provider: SmsProvider, *, limit: NumberRateLimit | None = None) -> None:
        self.provider = provider
        self.limit = limit or NumberRateLimit()

    async def send(self, template: SmsTemplateId | str, to: str, variables: dict[str, str]) -> str:
        """Render, rate-limit and send; the provider's message id."""
        phone = normalise_mobile(to)
        text = render(template, variables)  # refuses an unknown template before anything else
        template_id = SmsTemplateId(template)
        self.limit.check(phone)
        message = OutgoingSms(to=phone, template=template_id, variables=dict(variables), text=text)
        try:
            message_id = await self.provider.send(message)
        except SmsUnavailable:
            log.warning(
                "sms refused by provider",
                extra={"provider": self.provider.name, "template": str(template_id), "to": mask(phone)},
            )
            raise
        self.limit.record(phone)
        log.info(
            "sms sent",
            extra={
                "provider": self.provider.name,
                "template": str(template_id),
                "to": mask(phone),
                "message_id": message_id,
            },
        )
        return message_id

    async def receipt(self, message_id: str, *, to: str, sent_on: datetime) -> DeliveryReceipt:
        """The delivery report of a message this sender sent."""
        receipt = await self.provider.receipt(message_id, to=normalise_mobile(to), sent_on=sent_on)
        log.info(
            "sms receipt",
            extra={"provider": self.provider.name, "message_id": message_id, "status": receipt.status},
        )
        return receipt
