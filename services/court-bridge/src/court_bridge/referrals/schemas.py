"""The court partner API v1 shapes (../shared/contracts/court-partner-api.md), field for field,
and the clerks' view of a referral. Validation messages are Chinese: court clerks read them too."""

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

# DOMAIN.md §2: the categories used at intake. (The domain library also knows the interest-dispute
# categories, which never come from a court: 利益争议 are not justiciable.)
CourtClaimCategory = Literal[
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
assert {ClaimCategory(c) for c in get_args(CourtClaimCategory)} == {c for c in ClaimCategory if not c.is_interest}

ReferralKind = Literal["pre_filing", "in_litigation"]
Procedure = Literal["ordinary", "summary"]  # 普通程序 / 简易程序 of the litigation a 委托调解 belongs to
ReferralStatus = Literal["received", "accepted", "declined", "in_mediation", "agreed", "failed", "expired", "withdrawn"]
Outcome = Literal["agreed", "failed", "expired", "declined", "withdrawn"]
FINAL_STATUSES = frozenset({"declined", "agreed", "failed", "expired", "withdrawn"})


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


class Judge(_In):
    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30)


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
    address: str | None = Field(default=None, max_length=300)
    legal_representative: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30)

    @field_validator("credit_code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _identifier(validate_credit_code, v)


class ClaimIn(_In):
    """请求事项."""

    category: CourtClaimCategory
    amount: Money
    description: str | None = Field(default=None, max_length=2000)


class ReferralCreate(_In):
    """A referral from a court (POST /partner/court/v1/referrals)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "court_case_no": "（2026）粤0304民诉前调1234号",
                    "kind": "pre_filing",
                    "court_name": "深圳市福田区人民法院",
                    "judge": {"name": "刘法官", "phone": "0755-83000000"},
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
                }
            ]
        }
    )

    court_case_no: str = Field(
        min_length=1, max_length=100, description="e.g. （2026）粤0304民诉前调1234号; unique per court"
    )
    kind: ReferralKind = Field(description="pre_filing (委派, before filing) or in_litigation (委托, after filing)")
    court_name: str = Field(min_length=1, max_length=200)
    judge: Judge | None = None
    referred_on: BoundedDate
    procedure: Procedure | None = Field(
        default=None,
        description="in_litigation only: the court's procedure, ordinary (普通程序, 15 days) or summary "
        "(简易程序, 7 days); default ordinary (extension of contract v1)",
    )
    deadline: BoundedDate | None = Field(
        default=None,
        description="the court's own deadline; without it 30 days (pre_filing) or 15/7 days (in_litigation, "
        "ordinary/summary) from the day the centre confirms acceptance (人民法院在线调解规则 第24条) — "
        "provisionally from referred_on until then",
    )
    applicants: list[ApplicantIn] = Field(min_length=1, max_length=500)
    respondents: list[RespondentIn] = Field(min_length=1, max_length=10)
    claims: list[ClaimIn] = Field(min_length=1, max_length=50)
    facts: str = Field(min_length=1, max_length=20000)

    @model_validator(mode="after")
    def _consistent(self) -> ReferralCreate:
        if self.referred_on > china_today():  # a referral is made on or before the day it arrives
            raise ValueError("referred_on: 日期不能晚于今天")
        if self.procedure is not None and self.kind != "in_litigation":
            raise ValueError("procedure: 仅诉中委托调解（in_litigation）需注明适用程序")
        if self.deadline is not None and self.deadline < self.referred_on:
            raise ValueError("deadline: 调解期限不能早于委派日期")
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
    """The agreement body of the contract (in results and in confirmation requests)."""

    model_config = ConfigDict(extra="ignore")

    agreement_no: str
    signed_on: date
    terms: str
    total_amount: Decimal
    payments: list[Payment] = Field(default_factory=list)
    parties_request_judicial_confirmation: bool = False


class Result(BaseModel):
    outcome: Outcome
    agreement: Agreement | None = None
    undisputed_facts: str | None = None
    dispute_focus: str | None = None
    reason: str | None = None
    decided_at: datetime


class ReferralPublic(BaseModel):
    """A referral as its court reads it."""

    referral_id: str
    court_case_no: str
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
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "当事人已自行和解，撤回委派"}]})

    reason: str = Field(min_length=1, max_length=2000)


class DeclineRequest(_In):
    reason: str = Field(min_length=1, max_length=2000, description="不予接受的理由 (sent to the court)")


class ConfirmationSummary(BaseModel):
    application_id: str
    state: str
    apply_by: date
    ruling: str | None
    ruling_no: str | None


class ReferralStaffView(BaseModel):
    """A referral on the clerks' desk."""

    referral_id: str
    partner_id: str
    court_name: str
    court_case_no: str
    kind: ReferralKind
    status: ReferralStatus
    referred_on: date
    received_on: date
    deadline: date
    accept_due_on: date
    awaiting_decision: bool
    accept_overdue: bool
    center_id: str
    case_state: str
    case_id: str | None
    case_no: str | None
    case_last_error: str | None
    mediator: Mediator | None
    result: Result | None
    decided_by: str | None
    accepted_at: datetime | None
    confirmation: ConfirmationSummary | None
    created_at: datetime
    updated_at: datetime


class ReferralStaffPage(BaseModel):
    items: list[ReferralStaffView]
    next_cursor: str | None
