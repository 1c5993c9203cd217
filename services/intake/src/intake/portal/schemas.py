"""Shapes of the parties' portal and of the online-application queue.

An online application is validated by the window's own ``CaseCreate`` (same fields, same checks,
same Chinese messages): only what the window decides (channel, route, risk signals, a partner's
deadline or reference) cannot be given by the applicant."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from intake.cases.schemas import CaseCreate, Channel, RiskSignals, RouteChoice


class OnlineApplicationCreate(CaseCreate):
    """A worker's application for mediation (劳动者网上申请调解)."""

    center_id: str = Field(min_length=1, max_length=40, description="受理中心")
    channel: Literal[Channel.online] = Channel.online
    # Decided by the clerk at registration, never by the applicant:
    signals: None = None  # type: ignore[assignment]
    route: None = None
    deadline_on: None = None
    external_ref: None = None


class ApplicationStatus(StrEnum):
    submitted = "submitted"  # 已提交，待审核
    registered = "registered"  # 已登记为案件
    returned = "returned"  # 已退回


STATUS_ZH = {
    "submitted": "已提交，等待工作人员审核",
    "registered": "已登记为案件",
    "returned": "已退回，请按退回原因补正后重新申请",
}


class ApplicationPublic(BaseModel):
    """An application as its applicant and the queue see it (no ID or phone numbers)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    reference: str
    center_id: str
    status: ApplicationStatus
    status_label: str = ""
    phone_masked: str
    applicant_count: int
    employer_name: str
    credit_code: str
    total_claimed: Decimal
    submitted_at: datetime
    decided_at: datetime | None
    return_reason: str | None
    case_id: str | None
    case_no: str | None


class ApplicationDetail(ApplicationPublic):
    """What the clerk checks before registering: the submission as the applicant gave it (the
    fields of ``OnlineApplicationCreate``; a plain object so the input models keep one schema)."""

    submission: dict[str, Any]


class ApplicationRegister(BaseModel):
    """The clerk's part of registration: what was observed, and the route if it is decided now."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    signals: RiskSignals = Field(default_factory=RiskSignals)
    route: RouteChoice | None = None


class ApplicationReturn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    reason: str = Field(min_length=2, max_length=500, description="退回原因（申请人可见）")


class PhoneScopeRequest(BaseModel):
    """The gateway asks which cases a phone is a party of (internal, service token)."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=11, max_length=20)


class ScopedCase(BaseModel):
    case_id: str
    case_no: str
    side: Literal["applicant", "respondent"]


class PhoneScope(BaseModel):
    phone_ref: str
    cases: list[ScopedCase]


class MilestonePublic(BaseModel):
    at: datetime
    text: str


class PortalCaseSummary(BaseModel):
    case_id: str
    case_no: str
    side: Literal["applicant", "respondent"]
    status_label: str
    registered_at: datetime


class PortalCase(PortalCaseSummary):
    """Progress in plain words: where the case is, what happens next, by when."""

    employer_names: str
    total_claimed: Decimal
    claims: list[str]
    next_step: str
    deadline_on: date | None
    days_left: int | None
    milestones: list[MilestonePublic]


class PortalDocument(BaseModel):
    """A document of the case meant for its parties (受理回执, 调解通知书, 调解协议书, 调解终结书):
    the newest version of each, to read or download."""

    id: str
    kind: str
    title: str
    version: int
    created_at: datetime
    sha256: str
    size: int
    download_path: str
