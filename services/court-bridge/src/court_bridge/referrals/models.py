"""A referral as the bridge keeps it. The parties' identities and the facts are stored encrypted
(``payload_enc``): the bridge needs them only to register the case at intake, which may be down."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def new_referral_id() -> str:
    return "ref_" + uuid.uuid4().hex


class Referral(SQLModel, table=True):
    __tablename__ = "referral"
    __table_args__ = (
        UniqueConstraint("partner_id", "court_case_no"),  # court_case_no is unique per court
        Index("ix_referral_partner_updated", "partner_id", "updated_at", "id"),
        Index("ix_referral_case_state", "case_state", "case_next_attempt_at"),
        Index("ix_referral_center_status", "center_id", "status", "created_at"),
    )

    id: str = Field(default_factory=new_referral_id, primary_key=True, max_length=40)
    partner_id: str = Field(max_length=64)
    court_case_no: str = Field(max_length=100)
    kind: str = Field(max_length=20)  # pre_filing (委派) | in_litigation (委托)
    court_name: str = Field(max_length=200)
    referred_on: date
    deadline_on: date
    received_on: date  # in China
    accept_due_on: date  # the centre answers within 3 working days of receipt
    center_id: str = Field(max_length=40)
    # received → accepted | declined → in_mediation → agreed | failed | expired; withdrawn before a result
    status: str = Field(default="received", max_length=20)
    payload_enc: str = Field(sa_column=Column(Text, nullable=False))

    # Registration at intake: pending (intake down: retried), registered, rejected (intake refused
    # the case: an administrator looks), cancelled (withdrawn before it was registered).
    case_state: str = Field(default="pending", max_length=12)
    case_id: str | None = Field(default=None, max_length=64)
    case_no: str | None = Field(default=None, max_length=60)
    case_attempts: int = 0
    case_next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    case_last_error: str | None = Field(default=None, max_length=500)

    proceeding_id: str | None = Field(default=None, max_length=64)
    mediator: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    agreement_effective_on: date | None = None  # when the agreement took effect (the 司法确认 clock starts)
    accepted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decided_by: str | None = Field(default=None, max_length=120)  # who accepted/declined (or "auto")

    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
