"""The subsidy ledger (以案定补): one entry per closed proceeding that had a mediator."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

MONEY = Numeric(14, 2)


class SubsidyEntry(SQLModel, table=True):
    __tablename__ = "subsidy_entry"
    __table_args__ = (
        UniqueConstraint("proceeding_id"),
        Index("ix_subsidy_entry_month", "center_id", "month", "mediator_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    proceeding_id: str = Field(foreign_key="proceeding.id", max_length=32)
    case_no: str = Field(max_length=60)
    center_id: str = Field(max_length=40)
    mediator_id: str = Field(foreign_key="mediator.id", max_length=40)
    organisation_id: str = Field(max_length=40)
    outcome: str = Field(max_length=20)
    complexity: str = Field(max_length=10)
    amount: Decimal = Field(sa_type=MONEY)
    table_version: str = Field(max_length=40)
    closed_on: date
    month: str = Field(max_length=7)  # YYYY-MM (China time)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
