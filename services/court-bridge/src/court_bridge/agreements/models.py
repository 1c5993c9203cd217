"""What the bridge keeps of each centre agreement (mediation's events) and of each court's area."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from onewindow_kit.db import UtcDateTime, utcnow
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class CentreAgreement(SQLModel, table=True):
    """An agreement signed in any centre mediation (window or referral), from
    ``mediation.proceeding.agreed``; its performance follows ``mediation.agreement.*``."""

    __tablename__ = "centre_agreement"

    proceeding_id: str = Field(primary_key=True, max_length=32)
    case_id: str = Field(max_length=64, index=True)
    case_no: str | None = Field(default=None, max_length=80)
    center_id: str | None = Field(default=None, max_length=40)
    seat_district: str | None = Field(default=None, max_length=60)  # where the mediation organisation sits
    referral_id: str | None = Field(default=None, max_length=40)  # when a court referred the case
    agreement: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # the contract's agreement body
    effective_on: date
    overdue: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # positions
    paid: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # positions
    fulfilled: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CourtJurisdiction(SQLModel, table=True):
    """The districts (区/县) a registered basic court serves: CPL 205 sends an application to the basic
    court where a party lives, the subject is, or the mediation organisation sits."""

    __tablename__ = "court_jurisdiction"

    partner_id: str = Field(primary_key=True, foreign_key="partner.id", max_length=64)
    districts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
