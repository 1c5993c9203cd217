"""A proceeding (调解程序) per case sent to mediation, with its clock and every change it went through."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index, Numeric
from sqlmodel import Field, SQLModel

MONEY = Numeric(14, 2)


def new_id() -> str:
    return uuid.uuid4().hex


class Proceeding(SQLModel, table=True):
    __tablename__ = "proceeding"
    __table_args__ = (
        Index("ix_proceeding_status_deadline", "status", "deadline_on"),
        Index("ix_proceeding_mediator_status", "mediator_id", "status"),
        Index("ix_proceeding_center_opened", "center_id", "opened_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(max_length=64, index=True)
    case_no: str = Field(max_length=60)
    center_id: str = Field(max_length=40)
    street: str | None = Field(default=None, max_length=60)
    # window | court_pre_filing | court_in_litigation | arbitration_pre_filing
    source: str = Field(max_length=30)
    external_ref: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    referral_id: str | None = Field(default=None, max_length=64, index=True)
    collective: bool = False
    worker_count: int = 1
    risk_grade: str = Field(default="green", max_length=6)
    dispute_type: str = Field(default="rights", max_length=10)
    complexity: str = Field(default="standard", max_length=10)  # simple | standard | complex
    claims: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    respondents: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    total_claimed: Decimal = Field(default=Decimal("0"), sa_type=MONEY)

    # The clock
    received_on: date
    clock_rule: str = Field(max_length=60)
    deadline_on: date
    partner_deadline: bool = False
    deadline_basis_zh: str = Field(max_length=1000)
    unconfirmed_years: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    accept_by: date | None = None  # court referrals: the 3 working days to answer
    extended_days: int = 0

    status: str = Field(default="opened", max_length=20)
    mediator_id: str | None = Field(default=None, foreign_key="mediator.id", max_length=40)
    assigned_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    parked_reason: str | None = Field(default=None, max_length=500)
    parked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    deadline_at_risk: bool = False
    panel: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

    # Outcome
    close_reason: str | None = Field(default=None, max_length=1000)
    close_reason_code: str | None = Field(default=None, max_length=30)
    undisputed_facts: str | None = Field(default=None, max_length=20000)
    dispute_focus: str | None = Field(default=None, max_length=5000)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)

    version: int = 1
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ProceedingRespondent(SQLModel, table=True):
    """The employers of a proceeding, by credit code: the conflict-of-interest look-up."""

    __tablename__ = "proceeding_respondent"

    id: int | None = Field(default=None, primary_key=True)
    proceeding_id: str = Field(foreign_key="proceeding.id", max_length=32, index=True)
    credit_code: str = Field(max_length=18, index=True)
    name: str = Field(max_length=200)
    industry: str | None = Field(default=None, max_length=60)


class ProceedingAgent(SQLModel, table=True):
    """A registered mediator who acted as a party's agent in a proceeding (for or against the employer):
    a conflict for any later case against the same employer."""

    __tablename__ = "proceeding_agent"

    id: int | None = Field(default=None, primary_key=True)
    proceeding_id: str = Field(foreign_key="proceeding.id", max_length=32, index=True)
    mediator_id: str = Field(foreign_key="mediator.id", max_length=40, index=True)
    side: str = Field(max_length=10)  # worker | employer
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ProceedingChange(SQLModel, table=True):
    """Every change of a proceeding: who, when, what (the state history)."""

    __tablename__ = "proceeding_change"
    __table_args__ = (Index("ix_proceeding_change_proceeding", "proceeding_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    proceeding_id: str = Field(foreign_key="proceeding.id", max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    actor_subject: str = Field(max_length=64)
    actor_name: str | None = Field(default=None, max_length=100)
    action: str = Field(max_length=40)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Extension(SQLModel, table=True):
    """An extension of the clock, with both parties' recorded consent (LDMAL 14)."""

    __tablename__ = "proceeding_extension"

    id: int | None = Field(default=None, primary_key=True)
    proceeding_id: str = Field(foreign_key="proceeding.id", max_length=32, index=True)
    days: int
    previous_deadline_on: date
    new_deadline_on: date
    reason: str = Field(max_length=500)
    consents: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ProceedingNote(SQLModel, table=True):
    __tablename__ = "proceeding_note"

    id: int | None = Field(default=None, primary_key=True)
    proceeding_id: str = Field(foreign_key="proceeding.id", max_length=32, index=True)
    text: str = Field(max_length=5000)
    author_subject: str = Field(max_length=64)
    author_name: str | None = Field(default=None, max_length=100)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
