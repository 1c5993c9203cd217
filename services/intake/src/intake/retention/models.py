"""Which case files the retention job has anonymised (DOMAIN.md §9)."""

from __future__ import annotations

from datetime import date, datetime

from onewindow_kit.db import UtcDateTime, utcnow
from sqlmodel import Field, SQLModel


class CaseRetention(SQLModel, table=True):
    """One row per case file whose personal data the retention job removed."""

    __tablename__ = "case_retention"

    case_id: str = Field(primary_key=True, max_length=32)
    retention_class: str = Field(max_length=20)  # mediated | awarded
    due_on: date
    anonymised_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
