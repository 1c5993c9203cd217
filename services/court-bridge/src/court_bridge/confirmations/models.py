"""An application for 司法确认 of a referral's agreement (one per referral)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel


def new_application_id() -> str:
    return "cfa_" + uuid.uuid4().hex


class ConfirmationApplication(SQLModel, table=True):
    __tablename__ = "confirmation_application"
    __table_args__ = (Index("ix_confirmation_application_state", "state", "next_attempt_at"),)

    id: str = Field(default_factory=new_application_id, primary_key=True, max_length=40)
    # A court's referral (origin "referral"), or any centre agreement (origin "agreement": window
    # cases and other centre mediations, keyed by the proceeding).
    referral_id: str | None = Field(default=None, foreign_key="referral.id", max_length=40, unique=True)
    proceeding_id: str | None = Field(default=None, max_length=32, unique=True)
    origin: str = Field(default="referral", max_length=12)
    case_no: str | None = Field(default=None, max_length=80)
    court_name: str | None = Field(default=None, max_length=200)
    documents: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    jurisdiction: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    decide_by: date | None = None  # the court rules within 30 days of filing (民事诉讼法 第187条)
    partner_id: str = Field(max_length=64)
    case_id: str = Field(max_length=64)
    agreement: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # the contract's agreement body
    effective_on: date  # the agreement took effect
    apply_by: date  # effective_on + 30 days (民事诉讼法 第205条), rolled past days off
    # preparing (the parties' identities are being read from intake) → requested (webhook sent) → ruled
    state: str = Field(default="preparing", max_length=12)
    requested_by: str = Field(max_length=120)  # "mediation" (the agreement asked for it) or the staff member
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    requested_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ruling: str | None = Field(default=None, max_length=12)  # valid | dismissed
    ruling_no: str | None = Field(default=None, max_length=100)
    ruled_on: date | None = None
    ruling_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ruled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
