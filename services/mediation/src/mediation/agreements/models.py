"""Agreements (调解协议), their instalments, and the number counter."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

MONEY = Numeric(14, 2)


def new_id() -> str:
    return uuid.uuid4().hex


class AgreementCounter(SQLModel, table=True):
    """The last agreement number of a centre in a year."""

    __tablename__ = "agreement_counter"

    center_id: str = Field(primary_key=True, max_length=40)
    year: int = Field(primary_key=True)
    last_seq: int = 0


class Agreement(SQLModel, table=True):
    __tablename__ = "agreement"
    __table_args__ = (UniqueConstraint("agreement_no"), UniqueConstraint("proceeding_id"))

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    proceeding_id: str = Field(foreign_key="proceeding.id", max_length=32)
    agreement_no: str = Field(max_length=80)
    scope: str = Field(default="full", max_length=10)  # full | partial (SZ-ADR 26)
    signed_on: date
    effective_on: date
    facts: str | None = Field(default=None, max_length=20000)
    terms: str = Field(max_length=20000)
    total_amount: Decimal = Field(sa_type=MONEY)
    parties_request_judicial_confirmation: bool = False
    parties_request_arbitration_review: bool = False
    judicial_confirmation_apply_by: date | None = None
    arbitration_review_apply_by: date | None = None
    # 仲裁审查确认 as the arbitration bridge reports it (``arbitration.review.requested`` / ``decided``,
    # decision 0018): {state: requested | confirmed | refused, review_id, partner_id, due_on,
    # document_no (仲裁调解书), decided_on, reason}
    arbitration_review: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    signatures: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fulfilled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # The court's side, from court-bridge's events: {"state": requested | valid | dismissed, "ruling_no", …}
    # for 司法确认; {"state": requested | accepted | rejected | issued | objected | paid, "order_no", …} for 支付令.
    judicial_confirmation: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    payment_order: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Instalment(SQLModel, table=True):
    """One payment of the schedule; overdue is announced once (``overdue_notified_at``)."""

    __tablename__ = "agreement_instalment"
    __table_args__ = (
        UniqueConstraint("agreement_id", "position"),
        Index("ix_agreement_instalment_due", "paid_on", "due_on"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    agreement_id: str = Field(foreign_key="agreement.id", max_length=32)
    proceeding_id: str = Field(foreign_key="proceeding.id", max_length=32, index=True)
    position: int
    due_on: date
    amount: Decimal = Field(sa_type=MONEY)
    payer: str = Field(max_length=200)
    payee: str = Field(max_length=200)
    paid_on: date | None = None
    marked_paid_by: str | None = Field(default=None, max_length=64)
    overdue_notified_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class AgreementConfirmation(SQLModel, table=True):
    """A party confirmed the agreement with a fresh SMS code: the evidence of that electronic
    signature — when, which phone (masked, and intake's keyed hash), what exactly (the digest)."""

    __tablename__ = "agreement_confirmation"
    __table_args__ = (UniqueConstraint("agreement_id", "phone_ref"), UniqueConstraint("token_id"))

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    agreement_id: str = Field(foreign_key="agreement.id", max_length=32, index=True)
    case_id: str = Field(max_length=64)
    side: str = Field(max_length=12)  # applicant (劳动者) | respondent (用人单位)
    phone_ref: str = Field(max_length=64)
    phone_masked: str = Field(max_length=11)
    digest: str = Field(max_length=71)  # sha256:<hex> of the agreement body the party read
    confirmed_at: datetime = Field(sa_type=UtcDateTime)  # when the code was checked (the gateway's clock)
    token_id: str = Field(max_length=64)  # the confirmation token's jti: spent once
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
