"""Shapes of the subsidy ledger and statements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict


class SubsidyEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    proceeding_id: str
    case_no: str
    center_id: str
    mediator_id: str
    organisation_id: str
    outcome: str
    complexity: str
    amount: Decimal
    table_version: str
    closed_on: date
    month: str
    created_at: datetime


class StatementPublic(BaseModel):
    """A month: per mediator (cases and amount by outcome) and per organisation, with totals."""

    month: str
    center_id: str | None
    table_version: str
    mediators: list[dict[str, Any]]
    organisations: list[dict[str, Any]]
    total_cases: int
    total_amount: Decimal


class SubsidyTablePublic(BaseModel):
    version: str
    amounts: dict[str, dict[str, Decimal]]
