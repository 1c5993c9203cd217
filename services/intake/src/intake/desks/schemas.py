"""Shapes of the agency desks' API and their configuration."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Desk(StrEnum):
    inspection = "inspection"  # 劳动保障监察
    legal_aid = "legal_aid"  # 法律援助
    petition = "petition"  # 信访
    negotiation = "negotiation"  # 三方协调（利益争议）


class DeskConfig(BaseModel):
    """The centre's own promises on top of the statutory clocks."""

    legal_aid_promise_days: int = Field(default=5, ge=1, le=7, description="审核承诺时限（法定7日以内）")
    at_risk_days: int = Field(default=3, ge=0, le=30, description="期限届满前几日标记为临期")


class ClockPublic(BaseModel):
    code: str
    label: str
    source: str
    start_on: date
    due_on: date
    basis: str
    stopped_on: date | None = Field(description="the day the step was done (the clock stopped)")
    estimated: bool = Field(default=False, description="reaches a year whose holidays are not yet published")
    remaining_days: int | None = Field(description="days left (negative: overdue); none once stopped")
    at_risk: bool
    overdue: bool


class NotePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    author: str
    text: str


class HandoffPublic(BaseModel):
    id: str
    case_id: str
    case_no: str
    case_version: int = Field(description="send it as If-Match to accept, decline or record an outcome")
    case_status: str
    case_status_label: str
    desk: str
    desk_label: str
    status: str
    status_label: str
    stage: str
    reason: str | None
    applicants: list[str]
    employer_names: str
    total_claimed: str
    received_on: date
    due_on: date | None
    remaining_days: int | None
    at_risk: bool
    overdue: bool
    clocks: list[ClockPublic]
    green_channel: bool
    priority_provision: bool
    decline_reason: str | None
    outcome: str | None
    outcome_label: str | None
    outcome_reason: str | None
    reply: str | None
    aid_lawyer: str | None
    aid_result: str | None
    decided_on: date | None
    handled_by: str | None
    allowed_outcomes: list[str]
    outcome_labels: dict[str, str]
    notes: list[NotePublic] = Field(default_factory=list)


class HandoffPage(BaseModel):
    items: list[HandoffPublic]


class DeskSummary(BaseModel):
    desk: str
    desk_label: str
    open: int
    at_risk: int
    overdue: int
    decided: int = Field(description="legal aid: review decisions made")
    decided_within_promise: int
    promise_days: int | None
    share_within_promise: float | None = Field(description="e.g. 1.0 for 5日内审核率100%")


class DeclineRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    reason: str = Field(min_length=2, max_length=500, description="退回理由")


class AcceptRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class NoteCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    text: str = Field(min_length=1, max_length=2000)


class OutcomeRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    outcome: str = Field(max_length=30)
    reason: str | None = Field(default=None, max_length=1000, description="理由（不予/未达成时必填）")
    reply: str | None = Field(default=None, max_length=2000, description="信访答复意见（办结时必填）")
    aid_lawyer: str | None = Field(default=None, max_length=100, description="指派的法律援助人员（给予时必填）")
    decided_on: date | None = Field(default=None, description="决定日期，默认今天")


class AidResultRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    result: str = Field(min_length=2, max_length=1000, description="受援案件的办理结果")
