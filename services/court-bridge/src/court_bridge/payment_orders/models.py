"""A worker's application for a 支付令 on an overdue agreement, and what the court did with it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index, Numeric, Text
from sqlmodel import Field, SQLModel


def new_payment_order_id() -> str:
    return "poa_" + uuid.uuid4().hex


class PaymentOrderApplication(SQLModel, table=True):
    __tablename__ = "payment_order_application"
    __table_args__ = (Index("ix_payment_order_application_state", "state", "next_attempt_at"),)

    id: str = Field(default_factory=new_payment_order_id, primary_key=True, max_length=40)
    proceeding_id: str = Field(max_length=32, index=True)
    case_id: str = Field(max_length=64)
    case_no: str | None = Field(default=None, max_length=80)
    partner_id: str = Field(max_length=64)
    court_name: str = Field(max_length=200)
    agreement: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    overdue: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    amount: Decimal = Field(sa_type=Numeric(14, 2))  # what the agreement left unpaid when applying
    documents: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    jurisdiction: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # preparing (identities from intake) → requested → accepted | rejected → issued → paid | objected
    state: str = Field(default="preparing", max_length=12)
    requested_by: str = Field(max_length=120)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    applied_on: date
    requested_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    accept_by: date  # CPL 226: the court says within 5 days whether it accepts
    accepted_on: date | None = None
    issue_by: date | None = None  # CPL 227(1): 15 days from acceptance
    order_no: str | None = Field(default=None, max_length=100)
    issued_on: date | None = None
    served_on: date | None = None
    object_by: date | None = None  # CPL 227(2): the employer pays or objects within 15 days of service
    closed_on: date | None = None
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
