"""Shapes of transfers: the clerk's request, the commission's decision (contract §2), the staff view."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from onewindow_kit.types import BoundedDate
from pydantic import BaseModel, ConfigDict, Field, model_validator

TransferState = Literal["preparing", "requested", "accepted", "rejected"]
# Why the case goes to the commission (decision 0018): the window mediation failed (调解不成); the
# worker refused mediation, at the window or by declining/withdrawing (拒绝调解, 人民调解法 第17条);
# the employer breached the agreement (不履行调解协议, 办案规则 第75条).
TransferKind = Literal["failed_mediation", "refused_mediation", "breached_agreement"]


class TransferCreate(BaseModel):
    """The worker chose arbitration (a clerk records it): after a failed window mediation, instead of
    mediation, or because the employer did not perform the agreement."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    case_id: str = Field(min_length=1, max_length=64)
    kind: TransferKind = "failed_mediation"
    reason: str | None = Field(default=None, max_length=2000, description="e.g. 申请人选择申请仲裁")
    undisputed_facts: str | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="无争议事实 the parties confirmed at the window (when no mediation recorded them)",
    )
    partner_id: str | None = Field(
        default=None, max_length=64, description="the commission; default: the one registered for the case's centre"
    )


class TransferDecision(BaseModel):
    """POST /partner/arbitration/v1/transfers/{transfer_id}/decision."""

    model_config = ConfigDict(
        str_strip_whitespace=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "accepted", "arbitration_case_no": "深劳人仲案〔2026〕123号", "decided_on": "2026-12-20"}
            ]
        },
    )

    decision: Literal["accepted", "rejected"]
    arbitration_case_no: str | None = Field(
        default=None, min_length=1, max_length=100, description="e.g. 深劳人仲案〔2026〕123号 (if accepted)"
    )
    decided_on: BoundedDate
    reason: str | None = Field(default=None, min_length=1, max_length=2000, description="不予受理的理由 (if rejected)")

    @model_validator(mode="after")
    def _complete(self) -> TransferDecision:
        if self.decision == "accepted" and not self.arbitration_case_no:
            raise ValueError("arbitration_case_no: 受理的，须填写仲裁案号")
        if self.decision == "rejected" and not self.reason:
            raise ValueError("reason: 不予受理的，须说明理由")
        return self


class TransferDecided(BaseModel):
    transfer_id: str
    status: Literal["accepted", "rejected"]
    case_no: str | None
    arbitration_case_no: str | None
    decided_on: date
    reason: str | None


class TransferView(BaseModel):
    """A transfer as staff see it: the 5-day clock (``due_on``, ``days_left``, ``overdue``) and the decision."""

    transfer_id: str
    case_id: str
    case_no: str | None
    center_id: str
    partner_id: str
    state: TransferState
    kind: TransferKind
    reason: str | None
    requested_by: str
    application: dict[str, Any] | None = Field(
        description="the 申请书 as sent, less identities: requests (仲裁请求), the breached agreement"
    )
    mediation: dict[str, Any]
    undisputed_facts: str | None
    documents: list[dict[str, Any]]
    last_error: str | None
    requested_at: datetime | None
    requested_on: date | None
    due_on: date | None
    days_left: int | None
    overdue: bool
    overdue_flagged_at: datetime | None
    arbitration_case_no: str | None
    decided_on: date | None
    decision_reason: str | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TransferPage(BaseModel):
    items: list[TransferView]
    next_cursor: str | None
