"""The retention report and the personal-data access log, as the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class RetentionClass(StrEnum):
    mediated = "mediated"  # ≥ 5 years (Rules-33 Art 24)
    awarded = "awarded"  # ≥ 10 years: the case went on to arbitration or a court


class RetentionDue(BaseModel):
    """A closed case file whose retention period has ended (identified by id and number only)."""

    case_id: str
    case_no: str
    center_id: str
    retention_class: RetentionClass
    closed_on: date
    due_on: date


class RetentionReport(BaseModel):
    today: date
    mediated_years: int
    awarded_years: int
    applied: bool
    cases: list[RetentionDue]


class PiiAccessPublic(BaseModel):
    """One read of full ID or phone numbers."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: str
    case_no: str
    actor: str
    actor_roles: str
    fields: str
    purpose: str
    at: datetime


class PiiAccessPage(BaseModel):
    items: list[PiiAccessPublic]
    next_cursor: int | None
