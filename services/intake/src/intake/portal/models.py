"""Online applications (网上申请): what a worker submitted, waiting for a clerk at the window.

The submission itself (names, ID and phone numbers…) is kept encrypted as one value; the queue
shows only what a clerk needs to pick it up. Nothing becomes a case until a clerk registers it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import BigInteger, Column, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from intake.cases.models import new_id


class OnlineApplication(SQLModel, table=True):
    __tablename__ = "online_application"
    __table_args__ = (
        UniqueConstraint("reference"),
        Index("ix_online_application_center_status", "center_id", "status", "submitted_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    reference: str = Field(max_length=20)  # 申请编号, what the worker quotes: WS2026120212AB34
    center_id: str = Field(foreign_key="center.id", max_length=40)
    status: str = Field(default="submitted", max_length=12)  # submitted | registered | returned
    payload_enc: str = Field(sa_column=Column(Text, nullable=False))
    phone_ref: str = Field(max_length=64, index=True)  # the applicant's (signed-in) phone, keyed hash
    phone_masked: str = Field(max_length=11)
    applicant_count: int = 1
    employer_name: str = Field(max_length=200)
    credit_code: str = Field(max_length=18)
    total_claimed: Decimal = Field(default=Decimal("0"), sa_type=Numeric(14, 2))
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decided_by: str | None = Field(default=None, max_length=64)
    return_reason: str | None = Field(default=None, max_length=500)
    case_id: str | None = Field(default=None, max_length=32)
    case_no: str | None = Field(default=None, max_length=60)


class ApplicationAttachment(SQLModel, table=True):
    """A file the applicant attached to an online application (same checks as the window's
    evidence uploads). On registration each becomes an attachment of the case, on the same bytes."""

    __tablename__ = "application_attachment"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    application_id: str = Field(foreign_key="online_application.id", max_length=32, index=True)
    evidence_type: str = Field(max_length=30)  # EvidenceType
    description: str | None = Field(default=None, max_length=200)
    file_name: str = Field(max_length=200)
    detected_type: str = Field(max_length=20)
    content_type: str = Field(max_length=100)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(max_length=64)
    storage_backend: str = Field(max_length=10)
    storage_key: str = Field(max_length=200)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
