"""Tables of the event machinery; every service's baseline migration creates them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PydField
from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from onewindow_kit.db import UtcDateTime, utcnow


class OutboxEvent(SQLModel, table=True):
    """An event published by this service, written in the transaction of its state change."""

    __tablename__ = "outbox_event"

    seq: int | None = Field(default=None, primary_key=True)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    type: str = Field(max_length=120)
    source: str = Field(max_length=60)
    case_id: str | None = Field(default=None, max_length=64)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    schema_version: int = 1
    request_id: str | None = Field(default=None, max_length=128)
    # W3C trace context of the span that published it: the relay's delivery continues that trace.
    traceparent: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OutboxDelivery(SQLModel, table=True):
    """One event to one subscriber: pending until a 2xx answer, retried with backoff."""

    __tablename__ = "outbox_delivery"
    __table_args__ = (Index("ix_outbox_delivery_pending", "subscriber", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_seq: int = Field(foreign_key="outbox_event.seq")
    subscriber: str = Field(max_length=60)
    status: str = Field(default="pending", max_length=16)  # pending | delivered | dead
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class InboxEvent(SQLModel, table=True):
    """An event this service consumed; its primary key makes redelivery harmless."""

    __tablename__ = "inbox_event"

    event_id: uuid.UUID = Field(primary_key=True)
    type: str = Field(max_length=120)
    source: str = Field(max_length=60)
    handled: bool = True
    received_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class EventEnvelope(BaseModel):
    """What travels between services (ARCHITECTURE.md §3)."""

    id: uuid.UUID
    type: str = PydField(min_length=3, max_length=120, pattern=r"^[a-z_]+(\.[a-z_]+){2,}$")
    occurred_at: datetime
    source: str = PydField(min_length=1, max_length=60)
    case_id: str | None = None
    data: dict[str, Any] = PydField(default_factory=dict)
    schema_version: int = 1
