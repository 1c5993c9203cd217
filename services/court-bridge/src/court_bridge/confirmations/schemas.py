"""Shapes of 司法确认: the court's ruling (contract) and the application as staff see it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from onewindow_kit.types import BoundedDate
from pydantic import BaseModel, ConfigDict, Field

from court_bridge.referrals.schemas import Agreement


class RulingIn(BaseModel):
    """POST /partner/court/v1/confirmations/{application_id}/ruling."""

    model_config = ConfigDict(
        str_strip_whitespace=True,
        extra="forbid",
        json_schema_extra={
            "examples": [{"ruling": "valid", "ruling_no": "（2026）粤0304诉前调确12号", "ruled_on": "2026-12-20"}]
        },
    )

    ruling: Literal["valid", "dismissed"]
    ruling_no: str = Field(min_length=1, max_length=100, description="e.g. （2026）粤0304诉前调确12号")
    ruled_on: BoundedDate
    reason: str | None = Field(default=None, max_length=2000)


class RulingRecorded(BaseModel):
    application_id: str
    referral_id: str | None  # null for an agreement the court did not refer (decision 0017)
    court_case_no: str | None
    status: Literal["ruled"]
    ruling: Literal["valid", "dismissed"]
    ruling_no: str
    ruled_on: date
    reason: str | None


class ConfirmationRequest(BaseModel):
    """Staff ask for 司法确认 after the agreement was signed (both parties applied later)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    note: str | None = Field(default=None, max_length=500)


class ConfirmationApply(BaseModel):
    """Both parties apply for 司法确认 of a centre agreement (prepared by the mediator or clerk)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    court_id: str | None = Field(default=None, max_length=64, description="default: the first eligible court")
    note: str | None = Field(default=None, max_length=500)


class ApplicationPublic(BaseModel):
    application_id: str
    referral_id: str | None
    proceeding_id: str | None
    origin: str
    case_no: str | None
    partner_id: str
    court_name: str | None
    documents: list[dict[str, Any]]
    jurisdiction: dict[str, Any] | None
    decide_by: date | None
    state: str
    agreement: Agreement
    effective_on: date
    apply_by: date
    requested_by: str
    requested_at: datetime | None
    last_error: str | None
    ruling: str | None
    ruling_no: str | None
    ruled_on: date | None
    ruling_reason: str | None
    created_at: datetime
