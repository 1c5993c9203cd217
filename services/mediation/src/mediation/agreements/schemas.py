"""Shapes of agreements and instalments (the agreement body follows the court contract)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from onewindow_kit.types import Amount, BoundedDate
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mediation.proceedings.schemas import EventText

Money = Amount  # full-width digits and thousands separators accepted and normalised
PartyName = Annotated[EventText, Field(min_length=1, max_length=200)]


class Scope(StrEnum):
    full = "full"  # 全部达成
    partial = "partial"  # 部分达成 (SZ-ADR 26)


class Signatory(StrEnum):
    worker = "worker"  # 劳动者
    employer = "employer"  # 用人单位
    mediator = "mediator"  # 调解员
    organisation_seal = "organisation_seal"  # 调解组织盖章


class Payment(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    due_on: BoundedDate
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
    payer: PartyName
    payee: PartyName


class Signature(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    party: Signatory
    name: str = Field(min_length=1, max_length=200)
    signed_on: BoundedDate


class AgreementCreate(BaseModel):
    """调解协议: effective when both parties and the mediator sign and the organisation seals (LDMAL 14)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    agreement_no: str | None = Field(
        default=None, min_length=2, max_length=80, description="default: numbered by the centre"
    )
    scope: Scope = Scope.full
    signed_on: BoundedDate
    effective_on: BoundedDate
    facts: str | None = Field(default=None, max_length=20000)
    terms: EventText = Field(min_length=2, max_length=20000)
    total_amount: Money
    payments: list[Payment] = Field(default_factory=list, max_length=60)
    parties_request_judicial_confirmation: bool = False
    parties_request_arbitration_review: bool = False
    signatures: list[Signature] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> AgreementCreate:
        if self.effective_on < self.signed_on:
            raise ValueError("effective_on: 生效日期不能早于签订日期")
        paid = sum((p.amount for p in self.payments), Decimal("0"))
        if self.payments and paid != self.total_amount:
            raise ValueError(f"payments: 分期金额合计{paid}元与协议总额{self.total_amount}元不一致")
        if not self.payments and self.total_amount > 0:
            raise ValueError("payments: 协议约定支付金额的，须填写支付安排（支付日期、金额、付款方、收款方）")
        for i, p in enumerate(self.payments):
            if p.due_on < self.signed_on:
                raise ValueError(f"payments[{i}].due_on: 支付日期不能早于协议签订日期")
        missing = {s.value for s in Signatory} - {s.party.value for s in self.signatures}
        if missing:
            names = {
                "worker": "劳动者",
                "employer": "用人单位",
                "mediator": "调解员",
                "organisation_seal": "调解组织盖章",
            }
            raise ValueError("signatures: 调解协议须经" + "、".join(names[m] for m in sorted(missing)) + "方可生效")
        if self.parties_request_judicial_confirmation and self.parties_request_arbitration_review:
            raise ValueError("parties_request_arbitration_review: 司法确认与仲裁审查确认只能选择其一")
        return self


class InstalmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    due_on: date
    amount: Decimal
    payer: str
    payee: str
    paid_on: date | None
    overdue: bool = False
    overdue_notified_at: datetime | None


class ElectronicConfirmation(BaseModel):
    """A party's confirmation with a fresh SMS code in the portal (docs/decisions/0021)."""

    model_config = ConfigDict(from_attributes=True)

    side: str  # applicant (劳动者) | respondent (用人单位)
    phone_masked: str
    digest: str
    confirmed_at: datetime


class ArbitrationReviewPublic(BaseModel):
    """The commission's review of the agreement (仲裁审查确认), as the arbitration bridge reported it."""

    state: Literal["requested", "confirmed", "refused"]
    review_id: str | None = None
    due_on: date | None = None
    document_no: str | None = Field(default=None, description="仲裁调解书 number (confirmed)")
    decided_on: date | None = None
    reason: str | None = None


class AgreementPublic(BaseModel):
    id: str
    proceeding_id: str
    agreement_no: str
    scope: str
    signed_on: date
    effective_on: date
    facts: str | None
    terms: str
    total_amount: Decimal
    paid_amount: Decimal
    parties_request_judicial_confirmation: bool
    parties_request_arbitration_review: bool
    judicial_confirmation_apply_by: date | None
    arbitration_review_apply_by: date | None
    arbitration_review: ArbitrationReviewPublic | None = None
    signatures: list[dict[str, Any]]
    instalments: list[InstalmentPublic]
    fulfilled_at: datetime | None
    judicial_confirmation: dict[str, Any] | None = None  # the court's side (court-bridge events)
    payment_order: dict[str, Any] | None = None
    created_at: datetime
    digest: str = Field(default="", description="sha256 of the agreement body: what an electronic confirmation signs")
    electronic_confirmations: list[ElectronicConfirmation] = Field(
        default_factory=list, description="当事人短信验证码确认 (beside the paper signatures)"
    )


class PaidRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paid_on: BoundedDate
