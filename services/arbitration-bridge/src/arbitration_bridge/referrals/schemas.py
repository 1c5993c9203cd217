"""The arbitration partner API v1 shapes (../shared/contracts/arbitration-partner-api.md), which
mirror the court contract's, field for field where they are the same; and the clerks' view of a
referral. Validation messages are Chinese: the commission's clerks read them too."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from onewindow_domain.calendar import china_today
from onewindow_domain.claims import ClaimCategory
from onewindow_domain.errors import DomainError
from onewindow_domain.identifiers import validate_credit_code, validate_id_number, validate_mobile
from onewindow_kit.types import BoundedDate
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

# DOMAIN.md §2: the categories used at intake. Interest disputes (利益争议) are not arbitrable
# (劳动法 第84条): a commission never refers one.
ArbitrationClaimCategory = Literal[
    "wage_arrears",
    "overtime",
    "severance",
    "unlawful_termination",
    "no_contract_double_wage",
    "notice_pay",
    "annual_leave",
    "social_insurance",
    "work_injury",
    "confirm_relationship",
    "other",
]
assert {ClaimCategory(c) for c in get_args(ArbitrationClaimCategory)} == {c for c in ClaimCategory if not c.is_interest}

ReferralStatus = Literal["received", "accepted", "declined", "in_mediation", "agreed", "failed", "expired", "withdrawn"]
Outcome = Literal["agreed", "failed", "expired", "declined", "withdrawn"]
FINAL_STATUSES = frozenset({"declined", "agreed", "failed", "expired", "withdrawn"})

SUGGESTION_MAX = 5000  # 调解建议书: it travels in the case's external_ref, on every mediation event


def _no_float(value: Any) -> Any:
    # Money is a decimal string ("12000.00"), never a float: 0.1 + 0.2 is not 0.3 in a float.
    if isinstance(value, float):
        raise ValueError('金额应为字符串，如"12000.00"')
    return value


Money = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, max_digits=14, decimal_places=2)]


def _identifier(check: Any, value: str) -> str:
    try:
        result = check(value)
    except DomainError as exc:
        raise ValueError(exc.message_zh) from exc
    return result if isinstance(result, str) else result.value


class _In(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


class ApplicantIn(_In):
    """申请人 (the worker)."""

    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(description="18位公民身份号码 (check digit verified)")
    phone: str | None = Field(default=None, description="手机号码")
    address: str | None = Field(default=None, max_length=300, description="送达地址")

    @field_validator("id_number")
    @classmethod
    def _id(cls, v: str) -> str:
        return _identifier(validate_id_number, v)

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        # The case file keeps a mobile number for the worker (notices go by SMS).
        return None if not v else _identifier(validate_mobile, v)


class RespondentIn(_In):
    """被申请人 (the employer)."""

    name: str = Field(min_length=2, max_length=200)
    credit_code: str = Field(description="18位统一社会信用代码 (check character verified)")
    address: str | None = Field(default=None, max_length=300, description="送达地址")
    legal_representative: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30)

    @field_validator("credit_code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _identifier(validate_credit_code, v)


class ClaimIn(_In):
    """请求事项."""

    category: ArbitrationClaimCategory
    amount: Money
    description: str | None = Field(default=None, max_length=2000)


class ReferralCreate(_In):
    """A referral from a commission (POST /partner/arbitration/v1/referrals)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pre_filing_no": "深劳人仲预〔2026〕88号",
                    "commission_name": "深圳市福田区劳动人事争议仲裁院",
                    "referred_on": "2026-11-20",
                    "applicants": [
                        {
                            "name": "李四",
                            "id_number": "44030419910305017X",
                            "phone": "13800138000",
                            "address": "深圳市福田区福田街道某小区",
                        }
                    ],
                    "respondents": [
                        {
                            "name": "深圳市某某电子有限公司",
                            "credit_code": "91440300MA00000077",
                            "address": "深圳市福田区某路1号",
                            "legal_representative": "赵某",
                            "phone": "0755-88888888",
                        }
                    ],
                    "claims": [
                        {"category": "wage_arrears", "amount": "12000.00", "description": "拖欠2026年8–9月工资"}
                    ],
                    "facts": "申请人于2024年3月入职被申请人处，被申请人自2026年8月起拖欠工资。",
                    "mediation_suggestion": "建议就拖欠工资数额先行核对考勤与工资表",
                }
            ]
        }
    )

    pre_filing_no: str = Field(
        min_length=1, max_length=100, description="e.g. 深劳人仲预〔2026〕88号; unique per commission"
    )
    kind: Literal["pre_filing"] = Field(
        default="pre_filing", description="pre_filing (暂缓立案、先行调解), the only kind"
    )
    commission_name: str = Field(min_length=1, max_length=200)
    referred_on: BoundedDate
    deadline: BoundedDate | None = Field(
        default=None, description="default: 15 days after referred_on (劳动争议调解仲裁法 第14条)"
    )
    applicants: list[ApplicantIn] = Field(min_length=1, max_length=500)
    respondents: list[RespondentIn] = Field(min_length=1, max_length=10)
    claims: list[ClaimIn] = Field(min_length=1, max_length=50)
    facts: str = Field(min_length=1, max_length=20000)
    mediation_suggestion: str | None = Field(
        default=None,
        min_length=1,
        max_length=SUGGESTION_MAX,
        description="调解建议书: the commission's suggestion to the mediator",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ReferralCreate:
        if self.referred_on > china_today():  # a referral is made on or before the day it arrives
            raise ValueError("referred_on: 日期不能晚于今天")
        if self.deadline is not None and self.deadline < self.referred_on:
            raise ValueError("deadline: 调解期限不能早于委托调解日期")
        seen: set[str] = set()
        for i, applicant in enumerate(self.applicants):
            if applicant.id_number in seen:
                raise ValueError(f"applicants[{i}].id_number: 申请人身份证号重复")
            seen.add(applicant.id_number)
        return self


class ReferralCreated(BaseModel):
    referral_id: str
    status: ReferralStatus
    case_no: str | None  # null while the case is being registered; referral.accepted carries it
    deadline: date


class Mediator(BaseModel):
    name: str
    organisation: str | None = None


# Agreements come from mediation's events and go out unchanged: parsed leniently (a stricter check
# here would turn a valid event into a rejected delivery), money kept as the decimal string it was.
class Payment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    due_on: date
    amount: Decimal
    payer: str
    payee: str


class Agreement(BaseModel):
    """The agreement body of the court contract, with ``effective_on`` (the 15-day clock of 仲裁审查确认
    starts there) and ``parties_request_arbitration_review`` added."""

    model_config = ConfigDict(extra="ignore")

    agreement_no: str
    signed_on: date
    effective_on: date | None = None
    terms: str
    total_amount: Decimal
    payments: list[Payment] = Field(default_factory=list)
    parties_request_judicial_confirmation: bool = False
    parties_request_arbitration_review: bool = False


class ApplicantOut(BaseModel):
    name: str
    id_number: str | None
    phone: str | None
    address: str | None


class RespondentOut(BaseModel):
    name: str
    credit_code: str | None
    address: str | None
    legal_representative: str | None
    phone: str | None


class Result(BaseModel):
    """The court contract's result; a failed or expired one also names the parties with their
    service addresses (送达地址), because the commission files the case with them."""

    outcome: Outcome
    agreement: Agreement | None = None
    undisputed_facts: str | None = None
    dispute_focus: str | None = None
    reason: str | None = None
    decided_at: datetime
    applicants: list[ApplicantOut] | None = None
    respondents: list[RespondentOut] | None = None


class ReferralPublic(BaseModel):
    """A referral as its commission reads it."""

    referral_id: str
    pre_filing_no: str
    status: ReferralStatus
    case_no: str | None
    deadline: date
    mediator: Mediator | None
    result: Result | None
    updated_at: datetime


class ReferralPage(BaseModel):
    items: list[ReferralPublic]
    next_cursor: str | None


class WithdrawRequest(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "申请人已撤回仲裁申请"}]})

    reason: str = Field(min_length=1, max_length=2000)


class DeclineRequest(_In):
    reason: str = Field(min_length=1, max_length=2000, description="不予接受的理由 (sent to the commission)")


class ReferralStaffView(BaseModel):
    """A referral on the clerks' desk."""

    referral_id: str
    partner_id: str
    commission_name: str
    pre_filing_no: str
    status: ReferralStatus
    referred_on: date
    received_on: date
    deadline: date
    accept_due_on: date
    awaiting_decision: bool
    accept_overdue: bool
    has_suggestion: bool
    center_id: str
    case_state: str
    case_id: str | None
    case_no: str | None
    case_last_error: str | None
    mediator: Mediator | None
    result: Result | None
    result_parties_state: str
    decided_by: str | None
    accepted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ReferralStaffPage(BaseModel):
    items: list[ReferralStaffView]
    next_cursor: str | None
