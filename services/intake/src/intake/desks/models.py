"""A hand-off of a case to an agency desk, with its statutory clocks and its notes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from intake.cases.models import new_id


class Handoff(SQLModel, table=True):
    """One case sent to one desk. A re-route withdraws the open hand-off and opens another."""

    __tablename__ = "handoff"
    __table_args__ = (
        Index("ix_handoff_desk_queue", "center_id", "desk", "status", "due_on"),
        # The dashboard's hand-off figures: a centre's hand-offs with what they count, from the
        # index alone on PostgreSQL (a hand-off's centre is its case's; decision 0030, issue 17).
        Index(
            "ix_handoff_center_case",
            "center_id",
            "case_id",
            postgresql_include=["desk", "status", "outcome", "received_on", "decided_on"],
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case_file.id", max_length=32, index=True)
    center_id: str = Field(max_length=40)
    desk: str = Field(max_length=20)  # inspection | legal_aid | petition | negotiation
    # pending → accepted → (decided) → concluded; or declined / returned / withdrawn
    status: str = Field(default="pending", max_length=20)
    stage: str = Field(default="received", max_length=20)  # which clock runs: received | filed | granted | accepted
    reason: str | None = Field(default=None, max_length=500)  # why the window sent it here
    received_on: date
    due_on: date | None = None  # the running clock's due date (the queue's sort key)
    clocks: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    green_channel: bool = False  # 法律援助法 第42条: no means test
    priority_provision: bool = False  # 法律援助法 第44条: 先行提供
    decline_reason: str | None = Field(default=None, max_length=500)
    outcome: str | None = Field(default=None, max_length=30)
    outcome_reason: str | None = Field(default=None, max_length=1000)
    reply: str | None = Field(default=None, max_length=2000)  # 信访答复
    aid_lawyer: str | None = Field(default=None, max_length=100)
    aid_result: str | None = Field(default=None, max_length=1000)
    decided_on: date | None = None  # legal aid: the review decision (Art 43)
    handled_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class HandoffNote(SQLModel, table=True):
    __tablename__ = "handoff_note"

    id: int | None = Field(default=None, primary_key=True)
    handoff_id: str = Field(foreign_key="handoff.id", max_length=32, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    author: str = Field(max_length=100)
    text: str = Field(max_length=2000)
