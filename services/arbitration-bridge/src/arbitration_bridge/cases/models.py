"""A case as the bridge knows it from events (a read model: intake and mediation own the facts)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel


class CaseRecord(SQLModel, table=True):
    __tablename__ = "case_record"

    case_id: str = Field(primary_key=True, max_length=64)
    case_no: str | None = Field(default=None, max_length=60)
    center_id: str | None = Field(default=None, max_length=40)  # from intake's events (or a read of the case)
    # window | court_pre_filing | court_in_litigation | arbitration_pre_filing (mediation's ``source``)
    source: str | None = Field(default=None, max_length=30)
    external_ref: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))

    # The latest proceeding: a new one (the case mediated again) replaces what the last one left.
    proceeding_id: str | None = Field(default=None, max_length=64)
    mediation_status: str | None = Field(default=None, max_length=20)  # opened … agreed | terminated | expired | …
    mediator: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    opened_on: date | None = None
    ended_on: date | None = None
    deadline_on: date | None = None
    outcome_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    undisputed_facts: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    dispute_focus: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    agreement: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    agreement_effective_on: date | None = None
    # The first instalment mediation announced overdue (``mediation.agreement.payment_overdue``):
    # {agreement_no, due_on, amount}; the worker may then go to arbitration (breached agreement).
    agreement_breach: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # intake's route for the case (``intake.case.routed``): "arbitration" when the worker refused mediation
    route: str | None = Field(default=None, max_length=20)

    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
