"""Tables of the webhook machinery: messages to partners and every attempt to deliver them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from onewindow_kit.db import UtcDateTime, utcnow


class WebhookMessage(SQLModel, table=True):
    """One event for one partner. ``msg_id`` is the ``webhook-id``: the same on every retry, so the
    partner de-duplicates with it. Messages of one ``stream_key`` (e.g. a referral) go out in order."""

    __tablename__ = "webhook_message"
    __table_args__ = (
        Index("ix_webhook_message_partner_status", "partner_id", "status", "id"),
        Index("ix_webhook_message_stream", "partner_id", "stream_key", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    msg_id: str = Field(max_length=64, unique=True)
    partner_id: str = Field(max_length=64)
    stream_key: str = Field(max_length=120)
    event_type: str = Field(max_length=80)
    # The exact body sent on every attempt (the signature covers these bytes); encrypted at rest
    # when the service has a data key, because some bodies carry parties' identities.
    body: str = Field(sa_column=Column(Text, nullable=False))
    encrypted: bool = False
    status: str = Field(default="pending", max_length=12)  # pending | delivered | failed
    attempts: int = 0  # every attempt ever (numbering of the attempt log)
    round_failures: int = 0  # failures since creation or the last replay: the place in the retry schedule
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    replays: int = 0
    # W3C trace context of the request that enqueued it: each attempt's span continues that trace.
    traceparent: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class WebhookAttempt(SQLModel, table=True):
    """One HTTP exchange (or the reason there was none): the delivery log."""

    __tablename__ = "webhook_attempt"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="webhook_message.id", index=True)
    attempt_no: int
    started_at: datetime = Field(sa_type=UtcDateTime)
    url: str = Field(max_length=2000)
    status_code: int | None = None
    latency_ms: int = 0
    error: str | None = Field(default=None, max_length=500)
    outcome: str = Field(max_length=12)  # delivered | retry | failed
