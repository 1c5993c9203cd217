"""The service ledger (送达): which document was served to which party, how, when, with what proof."""

from __future__ import annotations

from datetime import date, datetime

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from intake.cases.models import new_id


class ServedDocument(SQLModel, table=True):
    """A document of the case that must be served on parties (受送达人)."""

    __tablename__ = "served_document"
    __table_args__ = (Index("ix_served_document_case", "case_id", "issued_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case_file.id", max_length=32)
    kind: str = Field(max_length=40)  # DocumentKind
    title: str = Field(max_length=100)
    document_ref: str | None = Field(default=None, max_length=64)  # a generated document's or attachment's id
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    issued_by: str = Field(max_length=64)


class ServiceRecord(SQLModel, table=True):
    """One document's service on one party: pending until served (or sent, for an SMS awaiting delivery)."""

    __tablename__ = "service_record"
    __table_args__ = (
        UniqueConstraint("document_id", "party_id"),
        Index("ix_service_record_case", "case_id", "status"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    document_id: str = Field(foreign_key="served_document.id", max_length=32)
    case_id: str = Field(foreign_key="case_file.id", max_length=32)
    party_id: str = Field(foreign_key="case_party.id", max_length=32)
    status: str = Field(default="pending", max_length=10)  # pending | sent | served | failed
    method: str | None = Field(default=None, max_length=10)  # in_person | sms | post | email
    served_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    served_on: date | None = None  # the China date of service: where service-started periods count from
    address: str | None = Field(default=None, max_length=300)  # place, postal or e-mail address, masked number
    tracking_no: str | None = Field(default=None, max_length=40)  # post (EMS 邮件号)
    proof_attachment_id: str | None = Field(default=None, foreign_key="attachment.id", max_length=32)
    signed_by: str | None = Field(default=None, max_length=100)  # who signed the 送达回证 in person
    note: str | None = Field(default=None, max_length=300)
    sms_notice_id: str | None = Field(default=None, max_length=32)
    link_token: str | None = Field(default=None, max_length=40, index=True)  # the SMS link's token
    deadline_on: date | None = None  # a period that starts on service (e.g. 支付令 objection)
    recorded_by: str | None = Field(default=None, max_length=64)
    recorded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
