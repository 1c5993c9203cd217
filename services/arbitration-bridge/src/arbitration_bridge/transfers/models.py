"""A transfer of a case to an arbitration commission, and the commission's decision."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel


def new_transfer_id() -> str:
    return "trf_" + uuid.uuid4().hex


class Transfer(SQLModel, table=True):
    __tablename__ = "transfer"
    __table_args__ = (
        Index("ix_transfer_state", "state", "next_attempt_at"),
        Index("ix_transfer_due", "state", "due_on"),
        Index("ix_transfer_case", "case_id", "created_at"),
        Index("ix_transfer_center", "center_id", "created_at"),
    )

    id: str = Field(default_factory=new_transfer_id, primary_key=True, max_length=40)
    case_id: str = Field(max_length=64)
    case_no: str | None = Field(default=None, max_length=60)
    center_id: str = Field(max_length=40)
    partner_id: str = Field(max_length=64)
    stream_key: str = Field(max_length=120)  # the commission hears a case's messages in order
    # preparing (the file and identities are being read from intake) → requested (webhook queued;
    # the 5-day clock runs) → accepted | rejected
    state: str = Field(default="preparing", max_length=12)
    # failed_mediation (调解不成) | refused_mediation (拒绝调解, 人民调解法 第17条) |
    # breached_agreement (不履行调解协议, 劳动人事争议仲裁办案规则 第75条) — decision 0018
    kind: str = Field(default="failed_mediation", max_length=20)
    # The 申请书 as sent, less identities (they are read from intake and never stored here):
    # requests (仲裁请求), the breached agreement and its overdue instalment.
    application: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # why the worker chose arbitration
    requested_by: str = Field(max_length=120)
    mediation: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # dates and outcome, as sent
    undisputed_facts: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    documents: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    requested_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    requested_on: date | None = None  # the commission received it (China date): the clock starts
    due_on: date | None = None  # 5 days later (劳动争议调解仲裁法 第29条), rolled past days off
    overdue_flagged_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    arbitration_case_no: str | None = Field(default=None, max_length=100)
    decided_on: date | None = None
    decision_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
