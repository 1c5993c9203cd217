"""Request and response shapes of cases. Every field is validated before anything is written;
messages are in Simplified Chinese because clerks read them next to the field."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from onewindow_domain import clock
from onewindow_domain.claims import ClaimCategory
from onewindow_domain.errors import DomainError
from onewindow_domain.identifiers import validate_credit_code, validate_id_number, validate_mobile
from onewindow_kit.types import Amount, BoundedDate
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from intake.statistics.schemas import Report


class Channel(StrEnum):
    walk_in = "walk_in"  # 窗口来访
    phone = "phone"  # 电话
    online = "online"  # 网上
    court_referral = "court_referral"  # 法院委派/委托
    arbitration_referral = "arbitration_referral"  # 仲裁院先行调解
    inspection_transfer = "inspection_transfer"  # 劳动监察移送
    petition_transfer = "petition_transfer"  # 信访转办


class Route(StrEnum):
    mediation = "mediation"  # 工会/人民调解
    inspection = "inspection"  # 劳动监察
    legal_aid = "legal_aid"  # 法律援助
    arbitration = "arbitration"  # 直接申请仲裁
    petition = "petition"  # 信访
    negotiation = "negotiation"  # 三方协调 (利益争议)


class CaseStatus(StrEnum):
    registered = "registered"
    routed = "routed"
    in_mediation = "in_mediation"
    transferred_to_arbitration = "transferred_to_arbitration"
    referred_to_court = "referred_to_court"
    referred_to_inspection = "referred_to_inspection"
    legal_aid = "legal_aid"
    referred_to_petition = "referred_to_petition"
    in_negotiation = "in_negotiation"
    returned = "returned"
    resolved = "resolved"
    closed = "closed"


class CloseReason(StrEnum):
    withdrawn = "withdrawn"  # 申请人撤回
    agreement_fulfilled = "agreement_fulfilled"  # 协议履行完毕
    not_accepted = "not_accepted"  # 不予受理
    transferred = "transferred"  # 已移交其他机构处理
    duplicate = "duplicate"  # 重复登记
    handled_by_agency = "handled_by_agency"  # 进驻部门办结
    other = "other"


Name = Annotated[str, Field(min_length=1, max_length=100)]
Money = Amount  # full-width digits and thousands separators accepted and normalised


def _identifier(check, value: str) -> str:
    """The normalised identifier, or a ValueError carrying the Chinese message for the field."""
    try:
        result = check(value)
    except DomainError as exc:
        raise ValueError(exc.message_zh) from exc
    return result if isinstance(result, str) else result.value


class ApplicantIn(BaseModel):
    """申请人 (worker)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Name
    id_number: str = Field(description="18位公民身份号码")
    phone: str | None = None
    address: str | None = Field(default=None, max_length=300, description="送达地址")
    occupation: str | None = Field(default=None, max_length=100)
    monthly_wage: Money | None = None
    migrant_worker: bool = False  # 农民工
    platform_worker: bool = False  # 新就业形态劳动者

    @field_validator("id_number")
    @classmethod
    def _id(cls, v: str) -> str:
        return _identifier(validate_id_number, v)

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return None if not v else _identifier(validate_mobile, v)


class RespondentIn(BaseModel):
    """被申请人 (employer; for dispatched work the agency and the host employer)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Annotated[str, Field(min_length=2, max_length=200)]
    credit_code: str = Field(description="18位统一社会信用代码")
    role: str = Field(default="employer", pattern="^(employer|dispatch_agency|host_employer)$")
    address: str | None = Field(default=None, max_length=300)
    legal_representative: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30)
    industry: str | None = Field(default=None, max_length=60)

    @field_validator("credit_code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _identifier(validate_credit_code, v)


class AgentIn(BaseModel):
    """委托代理人 or 代表人 (≥10 workers elect 3–5 representatives)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Name
    kind: str = Field(pattern="^(lawyer|representative|relative|union|other)$")
    id_number: str | None = None
    phone: str | None = None
    represents: list[int] = Field(
        default_factory=list, description="Indexes of the applicants represented; empty = all"
    )
    has_power_of_attorney: bool = Field(default=False, description="委托书 received (LDMAL 24)")

    @field_validator("id_number")
    @classmethod
    def _id(cls, v: str | None) -> str | None:
        return None if not v else _identifier(validate_id_number, v)

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return None if not v else _identifier(validate_mobile, v)


class ClaimIn(BaseModel):
    """请求事项."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    category: ClaimCategory
    amount: Money = Decimal("0")
    amounts_by_applicant: list[Money] | None = Field(
        default=None,
        max_length=500,
        description="每名申请人的该项金额, in applicant order (their sum is ``amount``): the final-award "
        "scope of LDMAL 47 is judged per worker",
    )
    period_start_on: BoundedDate | None = None
    period_end_on: BoundedDate | None = None
    description: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _period(self) -> ClaimIn:
        if self.period_start_on and self.period_end_on and self.period_end_on < self.period_start_on:
            raise ValueError("period_end_on: 结束日期不能早于开始日期")
        return self


class RiskSignals(BaseModel):
    """What the clerk observed; the triage rules turn these into a grade."""

    model_config = ConfigDict(extra="forbid")

    employer_absconded: bool = False  # 欠薪逃匿
    collective_action: bool = False  # 聚集、堵路等群体性行为
    repeat_complaint: bool = False  # 重复投诉


class RouteChoice(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    route: Route
    reason: str | None = Field(default=None, max_length=500, description="required when it differs from the suggestion")


class CaseCreate(BaseModel):
    """Everything the window records at registration (一窗受理)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    channel: Channel
    applicants: list[ApplicantIn] = Field(min_length=1, max_length=500)
    respondents: list[RespondentIn] = Field(min_length=1, max_length=10)
    agents: list[AgentIn] = Field(default_factory=list, max_length=20)
    claims: list[ClaimIn] = Field(min_length=1, max_length=50)
    facts: str = Field(min_length=1, max_length=20000)
    employment_start_on: BoundedDate | None = None
    employment_end_on: BoundedDate | None = None
    knew_on: BoundedDate | None = Field(default=None, description="知道或应当知道权利受侵害之日")
    street: str | None = Field(default=None, max_length=60, description="所属街道 (mediators serve streets)")
    signals: RiskSignals = Field(default_factory=RiskSignals)
    route: RouteChoice | None = Field(default=None, description="Confirm or override the suggested route now")
    deadline_on: BoundedDate | None = Field(default=None, description="A partner's deadline (referrals)")
    external_ref: dict[str, Any] | None = Field(
        default=None, description="Partner reference (court/arbitration numbers)"
    )

    @model_validator(mode="after")
    def _dates(self) -> CaseCreate:
        if self.employment_start_on and self.employment_end_on and self.employment_end_on < self.employment_start_on:
            raise ValueError("employment_end_on: 离职日期不能早于入职日期")
        today = clock.today()  # Beijing's date, not the host's (issue 16)
        for name in ("employment_start_on", "knew_on"):
            value = getattr(self, name)
            if value and value > today:
                raise ValueError(f"{name}: 日期不能晚于今天")
        for i, claim in enumerate(self.claims):
            if claim.amounts_by_applicant is None:
                continue
            if len(claim.amounts_by_applicant) != len(self.applicants):
                raise ValueError(
                    f"claims[{i}].amounts_by_applicant: 每名申请人应各有一项金额（共{len(self.applicants)}名申请人）"
                )
            if sum(claim.amounts_by_applicant, Decimal(0)) != claim.amount:
                raise ValueError(f"claims[{i}].amounts_by_applicant: 每名申请人的金额之和应等于该项请求金额")
        seen: set[str] = set()
        for i, applicant in enumerate(self.applicants):
            if applicant.id_number in seen:
                raise ValueError(f"applicants[{i}].id_number: 申请人身份证号重复")
            seen.add(applicant.id_number)
        for i, agent in enumerate(self.agents):
            for index in agent.represents:
                if not 0 <= index < len(self.applicants):
                    raise ValueError(f"agents[{i}].represents: 被代理申请人序号不存在")
        return self


# ---------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------

from intake.triage.schemas import TriageResult  # noqa: E402  (after the request models it builds on)


class PartyPublic(BaseModel):
    """A party as lists and details show it: ID and phone numbers masked."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    role: str
    position: int
    name: str
    id_number_masked: str | None = None
    sex: str | None = None
    phone_masked: str | None = None
    address: str | None = None
    occupation: str | None = None
    monthly_wage: Decimal | None = None
    migrant_worker: bool = False
    platform_worker: bool = False
    credit_code: str | None = None
    employer_role: str | None = None
    legal_representative: str | None = None
    industry: str | None = None
    agent_kind: str | None = None
    represents: list[int] | None = None
    has_power_of_attorney: bool = False


class ClaimPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    category: str
    category_label: str
    amount: Decimal
    period_start_on: date | None
    period_end_on: date | None
    description: str | None
    final_award: bool


class NextStepPublic(BaseModel):
    """A way on that the window offers a case that came back (退回窗口)."""

    route: str
    label: str
    note: str


class CasePublic(BaseModel):
    id: str
    case_no: str
    center_id: str
    channel: str
    status: str
    status_label: str
    worked_by: str | None = Field(description="who works the case now: window, mediation, inspection, legal_aid, …")
    allowed_transitions: list[str]
    allowed_routes: list[str] = Field(description="routes the case may take now (re-routing)")
    next_steps: list[NextStepPublic]
    return_reason: str | None
    version: int
    risk_grade: str
    collective: bool
    worker_count: int
    group_id: str | None
    dispute_type: str
    suggested_route: str
    route: str | None
    route_override_reason: str | None
    triage: TriageResult
    applicants: list[PartyPublic]
    respondents: list[PartyPublic]
    agents: list[PartyPublic]
    claims: list[ClaimPublic]
    facts: str
    employment_start_on: date | None
    employment_end_on: date | None
    knew_on: date | None
    total_claimed: Decimal
    recovered: Decimal = Field(description="挽回金额: paid under agreements so far")
    agreed_amount: Decimal | None = Field(description="amount the agreement promised")
    deadline_on: date | None
    days_left: int | None
    overdue: bool
    external_ref: dict[str, Any] | None
    registered_by: str
    registered_by_name: str | None
    registered_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    close_reason: str | None


class CaseSummary(BaseModel):
    """A row of the case desk."""

    id: str
    case_no: str
    status: str
    status_label: str
    risk_grade: str
    collective: bool
    worker_count: int
    channel: str
    applicants: list[str]  # names; ID numbers masked
    applicant_id_numbers: list[str]  # masked, e.g. 4403**********1234
    employer_names: str
    total_claimed: Decimal
    deadline_on: date | None
    overdue: bool
    registered_at: datetime


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None


class RouteRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    route: Route
    reason: str | None = Field(default=None, max_length=500)


class IdNumberSearch(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    id_number: str
    cursor: str | None = None
    limit: int = Field(default=20, ge=1, le=100)

    @field_validator("id_number")
    @classmethod
    def _id(cls, v: str) -> str:
        return _identifier(validate_id_number, v)


class TransitionRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    status: CaseStatus
    reason: str | None = Field(default=None, max_length=500)
    close_reason: CloseReason | None = None


class TimelineEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    source: str
    kind: str
    actor: str | None
    summary: str
    data: dict[str, Any]


class PartyPii(BaseModel):
    party_id: str
    role: str
    position: int
    name: str
    id_number: str | None
    phone: str | None


class Stats(Report):
    """The base counts plus the report (statistics.schemas.Report); ``amount_recovered`` is
    money actually paid under agreements (挽回金额), ``amount_agreed`` what they promised."""

    center_id: str | None
    since: date
    until: date
    cases: int
    by_channel: dict[str, int]
    by_route: dict[str, int]
    by_status: dict[str, int]
    by_risk_grade: dict[str, int]
    collective_cases: int
    amount_claimed: Decimal
    amount_recovered: Decimal
    mediations_ended: int
    mediations_agreed: int
    success_rate: float | None
    median_days_to_close: float | None
    overdue: int
