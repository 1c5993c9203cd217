"""Mediation sessions (调解会)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def new_id() -> str:
    return uuid.uuid4().hex


class MediationSession(SQLModel, table=True):
    """One sitting, in a room or online; ``mediator_id`` is copied so double booking is one query."""

    __tablename__ = "mediation_session"
    __table_args__ = (Index("ix_mediation_session_mediator_time", "mediator_id", "starts_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    proceeding_id: str = Field(foreign_key="proceeding.id", max_length=32, index=True)
    mediator_id: str = Field(foreign_key="mediator.id", max_length=40)
    mode: str = Field(max_length=10)  # in_person | online
    room: str | None = Field(default=None, max_length=100)
    meeting_link: str | None = Field(default=None, max_length=500)
    starts_at: datetime = Field(sa_type=UtcDateTime)
    ends_at: datetime = Field(sa_type=UtcDateTime)
    attendees: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="scheduled", max_length=12)  # scheduled | held | cancelled
    notes: str | None = Field(default=None, max_length=20000)
    reminded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class SessionReply(SQLModel, table=True):
    """A party's answer to a proposed session time (the latest answer per phone counts)."""

    __tablename__ = "session_reply"
    __table_args__ = (UniqueConstraint("session_id", "phone_ref"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    session_id: str = Field(foreign_key="mediation_session.id", max_length=32, index=True)
    side: str = Field(max_length=12)  # applicant | respondent
    phone_ref: str = Field(max_length=64)
    phone_masked: str = Field(max_length=11)
    answer: str = Field(max_length=12)  # confirm | reschedule
    note: str | None = Field(default=None, max_length=500)  # times that would suit
    replied_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
