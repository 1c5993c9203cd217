"""Text-message notices to parties, sent by a worker (never inside a request's transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from intake.cases.models import new_id


class SmsNotice(SQLModel, table=True):
    """One message to one party. ``dedupe_key`` makes a redelivered event or a double click send once."""

    __tablename__ = "sms_notice"
    __table_args__ = (Index("ix_sms_notice_due", "status", "next_attempt_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    # A notice about a case goes to one of its parties; one about an online application (no case
    # yet) goes to the applicant's number, kept encrypted here (``phone_enc``) until it is sent.
    case_id: str | None = Field(default=None, foreign_key="case_file.id", max_length=32, index=True)
    party_id: str | None = Field(default=None, foreign_key="case_party.id", max_length=32)
    application_id: str | None = Field(default=None, foreign_key="online_application.id", max_length=32, index=True)
    phone_enc: str | None = Field(default=None, max_length=200)
    # registration | session_notice | instalment_reminder | document_served |
    # application_received | application_returned | application_registered
    purpose: str = Field(max_length=30)
    template: str = Field(max_length=40)
    # Template variables: case numbers, dates, places, titles — never ID or phone numbers (the kit
    # refuses them); the number is decrypted from the party when the message goes.
    variables: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    dedupe_key: str = Field(max_length=120, unique=True)
    to_masked: str = Field(max_length=20)
    status: str = Field(default="pending", max_length=12)  # pending | sent | delivered | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    message_id: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
