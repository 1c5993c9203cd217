"""Request and response shapes of proceedings; messages a mediator reads are in Simplified Chinese."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from onewindow_kit.logs import redact
from onewindow_kit.types import BoundedDate
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


def _no_personal_data(text: str) -> str:
    # These texts travel in events to intake and the partners: no ID, phone or card numbers.
    if redact(text) != text:
        raise ValueError("该内容会通知其他部门和委派机构，不得包含身份证号、手机号或银行卡号")
    return text


EventText = Annotated[str, AfterValidator(_no_personal_data)]


class Party(StrEnum):
    worker = "worker"
    employer = "employer"
    both = "both"


class TerminationReason(StrEnum):
    party_refused = "party_refused"  # 一方拒绝继续调解
    no_agreement = "no_agreement"  # 调解不成
    false_information = "false_information"  # 提供虚假情况
    delay = "delay"  # 无正当理由拖延
    other = "other"


class ConsentMethod(StrEnum):
    in_person = "in_person"  # 当面
    written = "written"  # 书面
    phone = "phone"  # 电话（记录在案）
    online = "online"  # 线上平台


class PanelSide(StrEnum):
    hrss = "hrss"  # 人社部门
    union = "union"  # 工会
    enterprise = "enterprise"  # 企业代表组织


class MediatorBrief(BaseModel):
    id: str
    name: str
    organisation: str


class ProceedingPublic(BaseModel):
    id: str
    case_id: str
    case_no: str
    center_id: str
    street: str | None
    source: str
    source_label: str
    external_ref: dict[str, Any] | None
    collective: bool
    worker_count: int
    risk_grade: str
    dispute_type: str
    complexity: str
    claims: list[dict[str, Any]]
    claim_labels: list[str]
    respondents: list[dict[str, Any]]
    languages: list[str]
    total_claimed: Decimal
    received_on: date
    clock_rule: str
    deadline_on: date
    deadline_basis_zh: str
    partner_deadline: bool
    unconfirmed_years: list[int]
    accept_by: date | None
    extended_days: int
    days_left: int
    status: str
    status_label: str
    allowed_transitions: list[str]
    mediator: MediatorBrief | None
    assigned_at: datetime | None
    parked_reason: str | None
    parked_at: datetime | None
    deadline_at_risk: bool
    panel: list[dict[str, Any]]
    close_reason_code: str | None
    close_reason: str | None
    undisputed_facts: str | None
    dispute_focus: str | None
    closed_at: datetime | None
    version: int
    opened_at: datetime
    updated_at: datetime


class ProceedingPage(BaseModel):
    items: list[ProceedingPublic]
    next_cursor: str | None


class ChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_subject: str
    actor_name: str | None
    action: str
    from_status: str | None
    to_status: str | None
    detail: dict[str, Any]


class AcceptRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    note: str | None = Field(default=None, max_length=1000, description="how both parties' consent was obtained")


class DeclineRequest(BaseModel):
    """Either party refused mediation (mediation is voluntary: 人民调解法 17)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    party: Party
    reason: EventText = Field(min_length=2, max_length=1000)


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    reason: EventText = Field(min_length=2, max_length=1000)


class TerminateRequest(BaseModel):
    """调解终结: the 无争议事实 and 争议焦点 carry into arbitration or court (SZ-ADR 73; Online 22)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    reason_code: TerminationReason
    reason: EventText = Field(min_length=2, max_length=1000)
    undisputed_facts: EventText = Field(min_length=2, max_length=20000, description="无争议事实")
    undisputed_facts_signed: bool = Field(description="the parties signed the record of undisputed facts")
    dispute_focus: EventText = Field(min_length=2, max_length=5000, description="争议焦点")
    arbitration_notice_given: bool = Field(description="the parties were told they may apply for arbitration")

    @model_validator(mode="after")
    def _duties(self) -> TerminateRequest:
        if not self.undisputed_facts_signed:
            raise ValueError("undisputed_facts_signed: 无争议事实须经双方当事人签字确认")
        if not self.arbitration_notice_given:
            raise ValueError("arbitration_notice_given: 调解终结须告知当事人可以依法申请仲裁")
        return self


class Consent(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    consented_on: BoundedDate
    method: ConsentMethod
    by: str = Field(min_length=1, max_length=100, description="who consented (the party or its agent)")


class Consents(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker: Consent | None = None
    employer: Consent | None = None


class ExtensionRequest(BaseModel):
    """Extend the clock: both parties' consent must be recorded (LDMAL 14)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    days: int = Field(ge=1, le=60)
    reason: str = Field(min_length=2, max_length=500)
    consents: Consents

    @model_validator(mode="after")
    def _both(self) -> ExtensionRequest:
        if self.consents.worker is None:
            raise ValueError("consents.worker: 延长调解期限须经劳动者一方同意")
        if self.consents.employer is None:
            raise ValueError("consents.employer: 延长调解期限须经用人单位一方同意")
        return self


class ExtensionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    days: int
    previous_deadline_on: date
    new_deadline_on: date
    reason: str
    consents: dict[str, Any]
    recorded_by: str
    recorded_at: datetime


class NoteCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    text: str = Field(min_length=1, max_length=5000)


class NotePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    author_subject: str
    author_name: str | None
    at: datetime


class PanelMember(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    side: PanelSide
    name: str | None = Field(default=None, min_length=1, max_length=60)
    organisation: str = Field(min_length=2, max_length=120)
    mediator_id: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _who(self) -> PanelMember:
        if not self.name and not self.mediator_id:
            raise ValueError("name: 请填写成员姓名或选择调解员")
        return self


class PanelRequest(BaseModel):
    """A tripartite panel (人社 + 工会 + 企业代表) for a collective dispute."""

    model_config = ConfigDict(extra="forbid")

    members: list[PanelMember] = Field(min_length=3, max_length=7)

    @model_validator(mode="after")
    def _tripartite(self) -> PanelRequest:
        missing = {s.value for s in PanelSide} - {m.side.value for m in self.members}
        if missing:
            names = {"hrss": "人社部门", "union": "工会", "enterprise": "企业代表组织"}
            raise ValueError("members: 三方调解小组须包括" + "、".join(names[s] for s in sorted(missing)) + "的代表")
        return self


class AgentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mediator_id: str = Field(min_length=1, max_length=40)
    side: str = Field(pattern="^(worker|employer)$", description="whom the mediator represented in this case")
