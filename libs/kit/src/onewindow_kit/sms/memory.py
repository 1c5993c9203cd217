"""A provider that keeps what it "sends" in memory: development (``make run``) and in-process tests.

Tests read ``provider.messages`` (or ``sent_to(phone)``) to learn a one-time code and to count the
messages each number received; a development server can expose the same list on a dev-only route.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from onewindow_kit.sms.provider import DeliveryReceipt, OutgoingSms


@dataclass(frozen=True, slots=True)
class RecordedSms:
    message_id: str
    to: str
    template: str
    variables: dict[str, str]
    text: str
    sent_at: datetime


@dataclass
class MemoryProvider:
    name: str = "memory"
    messages: list[RecordedSms] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, message: OutgoingSms) -> str:
        message_id = f"mem-{next(self._ids):06d}"
        self.messages.append(
            RecordedSms(
                message_id=message_id,
                to=message.to,
                template=str(message.template),
                variables=dict(message.variables),
                text=message.text,
                sent_at=datetime.now(UTC),
            )
        )
        return message_id

    async def receipt(self, message_id: str, *, to: str, sent_on: datetime) -> DeliveryReceipt:
        known = any(m.message_id == message_id and m.to == to for m in self.messages)
        return DeliveryReceipt(
            message_id, "delivered" if known else "failed", datetime.now(UTC), None if known else "unknown"
        )

    def sent_to(self, phone: str) -> list[RecordedSms]:
        return [m for m in self.messages if m.to == phone]
