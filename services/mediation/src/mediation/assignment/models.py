"""The stored record of every assignment decision, with its explanation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel


class AssignmentRecord(SQLModel, table=True):
    """One decision: automatic, a supervisor's override, a reassignment, or a parked attempt.

    ``explanation`` holds every candidate with its exclusions (reasons in Chinese), score
    components and rank (beyond 200 candidates, the first 50 in full and the rest as compact rows,
    decision 0033); the rows with a mediator also feed the 30-day fairness counts."""

    __tablename__ = "assignment_record"
    __table_args__ = (
        Index("ix_assignment_record_proceeding", "proceeding_id", "id"),
        Index("ix_assignment_record_fairness", "center_id", "decided_at", "mediator_id", "complexity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    proceeding_id: str = Field(foreign_key="proceeding.id", max_length=32)
    center_id: str = Field(max_length=40)
    kind: str = Field(max_length=12)  # auto | override | reassign | parked
    mediator_id: str | None = Field(default=None, max_length=40)
    previous_mediator_id: str | None = Field(default=None, max_length=40)
    complexity: str = Field(max_length=10)
    weights_version: str = Field(max_length=40)
    reason: str | None = Field(default=None, max_length=1000)  # override reason, or why it was parked
    explanation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decided_by: str = Field(max_length=64)
    decided_by_name: str | None = Field(default=None, max_length=100)
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class FairnessCounts(SQLModel, table=True):
    """A mediator's assignments at one centre per day (China time) and complexity, kept in the same
    transaction as each record with a mediator (decision 0035): the snapshot reads one short text per
    mediator instead of grouping every record of the fairness window.

    ``days``: JSON ``{"YYYY-MM-DD": {complexity: n}}``, days older than FAIRNESS_KEPT_DAYS pruned."""

    __tablename__ = "assignment_fairness"

    center_id: str = Field(primary_key=True, max_length=40)
    mediator_id: str = Field(primary_key=True, max_length=40)
    days: str = Field(default="{}", sa_column=Column(Text, nullable=False))
