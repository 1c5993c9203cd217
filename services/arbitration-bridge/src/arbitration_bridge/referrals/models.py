"""A referral as the bridge keeps it. The parties' identities, the facts and the commission's
调解建议书 are stored encrypted (``payload_enc``): the bridge needs them to register the case at
intake, which may be down. The parties' service addresses sent with a failed result are encrypted
too (``result_parties_enc``)."""

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
        UniqueConstraint("partner_id", "pre_filing_no"),  # pre_filing_no is unique per commission
        Index("ix_referral_partner_updated", "partner_id", "updated_at", "id"),
        Index("ix_referral_case_state", "case_state", "case_next_attempt_at"),
        Index("ix_referral_center_status", "center_id", "status", "created_at"),
        Index("ix_referral_result_parties", "result_parties_state", "result_next_attempt_at"),
    )

    id: str = Field(default_factory=new_referral_id, primary_key=True, max_length=40)
    partner_id: str = Field(max_length=64)
    pre_filing_no: str = Field(max_length=100)
    kind: str = Field(default="pre_filing", max_length=20)  # pre_filing (暂缓立案、先行调解)
    commission_name: str = Field(max_length=200)
    referred_on: date
    deadline_on: date
    received_on: date  # in China
    accept_due_on: date  # the centre answers within the agreed working days
    center_id: str = Field(max_length=40)
    has_suggestion: bool = False  # the commission sent a 调解建议书
    # received → accepted | declined → in_mediation → agreed | failed | expired; withdrawn before a result
    status: str = Field(default="received", max_length=20)
    payload_enc: str = Field(sa_column=Column(Text, nullable=False))

    # Registration at intake: pending (intake down: retried), registered, rejected (intake refused
    # the case: an administrator looks), cancelled (withdrawn or declined before it was registered).
    case_state: str = Field(default="pending", max_length=12)
    case_id: str | None = Field(default=None, max_length=64)
    case_no: str | None = Field(default=None, max_length=60)
    case_attempts: int = 0
    case_next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    case_last_error: str | None = Field(default=None, max_length=500)

    proceeding_id: str | None = Field(default=None, max_length=64)
    mediator: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    agreement_effective_on: date | None = None

    # A failed or expired result goes out with the parties' service addresses, read from intake
    # first: none (no such result) | preparing (being read; retried) | sent (webhook queued).
    result_parties_state: str = Field(default="none", max_length=12)
    result_parties_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    result_attempts: int = 0
    result_next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    result_last_error: str | None = Field(default=None, max_length=500)

    accepted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decided_by: str | None = Field(default=None, max_length=120)  # who accepted/declined (or "auto")

    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
