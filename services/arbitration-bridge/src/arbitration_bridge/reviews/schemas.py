"""Shapes of 仲裁审查确认: the staff request, the commission's decision (contract §3), the view."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from onewindow_kit.types import BoundedDate
from pydantic import BaseModel, ConfigDict, Field, model_validator

from arbitration_bridge.referrals.schemas import Agreement

ReviewState = Literal["preparing", "requested", "decided"]


class ReviewCreate(BaseModel):
    """Both parties asked for review after the agreement was recorded (staff file the request)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    case_id: str = Field(min_length=1, max_length=64)
    partner_id: str | None = Field(
        default=None, max_length=64, description="the commission; default: the referring one, else the centre's"
    )
    note: str | None = Field(default=None, max_length=500)


class ReviewDecision(BaseModel):
    """POST /partner/arbitration/v1/reviews/{review_id}/decision."""

    model_config = ConfigDict(
        str_strip_whitespace=True,
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "confirmed", "document_no": "深劳人仲调〔2026〕15号", "decided_on": "2026-12-20"}]
        },
    )

    decision: Literal["confirmed", "refused"]
    document_no: str | None = Field(
        default=None, min_length=1, max_length=100, description="仲裁调解书 number (if confirmed)"
    )
    decided_on: BoundedDate
    reason: str | None = Field(default=None, min_length=1, max_length=2000, description="不予确认的理由 (if refused)")

    @model_validator(mode="after")
    def _complete(self) -> ReviewDecision:
        if self.decision == "confirmed" and not self.document_no:
            raise ValueError("document_no: 确认的，须填写仲裁调解书编号")
        if self.decision == "refused" and not self.reason:
            raise ValueError("reason: 不予确认的，须说明理由")
        return self


class ReviewDecided(BaseModel):
    review_id: str
    status: Literal["decided"]
    decision: Literal["confirmed", "refused"]
    document_no: str | None
    decided_on: date
    reason: str | None


class ReviewView(BaseModel):
    review_id: str
    case_id: str
    case_no: str | None
    center_id: str
    partner_id: str
    referral_id: str | None
    state: ReviewState
    agreement: Agreement
    effective_on: date
    apply_by: date
    documents: list[dict[str, Any]] = Field(description="[{kind, title, sha256, url?}] sent with the request")
    decision_due_on: date | None = Field(description="the commission's 5 working days (办案规则 第75条、第80条)")
    days_left: int | None
    overdue: bool
    requested_by: str
    note: str | None
    last_error: str | None
    requested_at: datetime | None
    decision: str | None
    document_no: str | None
    decided_on: date | None
    decision_reason: str | None
    decided_at: datetime | None
    created_at: datetime


class ReviewPage(BaseModel):
    items: list[ReviewView]
    next_cursor: str | None
