"""A request for 仲裁审查确认 of an agreement (one per agreement), and the commission's decision."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def new_review_id() -> str:
    return "rvw_" + uuid.uuid4().hex


class Review(SQLModel, table=True):
    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("case_id", "agreement_no"),
        Index("ix_review_state", "state", "next_attempt_at"),
        Index("ix_review_center", "center_id", "created_at"),
    )

    id: str = Field(default_factory=new_review_id, primary_key=True, max_length=40)
    case_id: str = Field(max_length=64)
    case_no: str | None = Field(default=None, max_length=60)
    center_id: str = Field(max_length=40)
    partner_id: str = Field(max_length=64)
    referral_id: str | None = Field(default=None, max_length=40)  # when the commission referred the case itself
    stream_key: str = Field(max_length=120)  # after the referral's own messages (referral.agreed first)
    agreement_no: str = Field(max_length=100)
    agreement: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    effective_on: date
    apply_by: date  # effective_on + 15 days (劳动人事争议仲裁办案规则 第74条), rolled past days off
    # preparing (identities being read from intake) → requested (webhook queued) → decided
    state: str = Field(default="preparing", max_length=12)
    # What the commission receives with the agreement: [{kind, title, sha256, url?}] (decision 0018)
    documents: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    decision_due_on: date | None = None  # the commission's 5 working days from the request (办案规则 第75条、第80条)
    requested_by: str = Field(max_length=120)  # "mediation" (the agreement asked for it) or the staff member
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    requested_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decision: str | None = Field(default=None, max_length=12)  # confirmed | refused
    document_no: str | None = Field(default=None, max_length=100)  # the 仲裁调解书 number
    decided_on: date | None = None
    decision_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
