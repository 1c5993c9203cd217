"""Shapes of 支付令: the court's decisions (contract extension, decision 0017) and the staff view."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from onewindow_kit.types import BoundedDate
from pydantic import BaseModel, ConfigDict, Field, model_validator

Decision = Literal["accepted", "rejected", "issued", "objected", "paid"]


class PaymentOrderDecisionIn(BaseModel):
    """POST /partner/court/v1/payment-orders/{application_id}/decision."""

    model_config = ConfigDict(
        str_strip_whitespace=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "accepted", "decided_on": "2026-12-03"},
                {
                    "decision": "issued",
                    "decided_on": "2026-12-10",
                    "order_no": "（2026）粤0304民督12号",
                    "served_on": "2026-12-11",
                },
            ]
        },
    )

    decision: Decision = Field(
        description="accepted 受理 · rejected 不予受理/驳回 · issued 发出支付令 · objected 债务人异议(支付令失效) · paid 债务人已清偿"
    )
    decided_on: BoundedDate
    order_no: str | None = Field(default=None, min_length=1, max_length=100, description="支付令文号 (issued)")
    served_on: BoundedDate | None = Field(default=None, description="the order was served on the debtor (issued)")
    reason: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _complete(self) -> PaymentOrderDecisionIn:
        if self.decision == "issued" and not self.order_no:
            raise ValueError("order_no: 发出支付令须填写支付令文号")
        if self.served_on and self.served_on < self.decided_on:
            raise ValueError("served_on: 送达日期不能早于支付令发出日期")
        return self


class PaymentOrderRecorded(BaseModel):
    application_id: str
    case_no: str | None
    status: str
    decision: Decision
    decided_on: date


class PaymentOrderApply(BaseModel):
    """The worker applies (through the clerk or mediator) for a 支付令 on the overdue agreement."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    court_id: str | None = Field(default=None, max_length=64, description="default: the first eligible court")
    note: str | None = Field(default=None, max_length=500)


class PaymentOrderPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    application_id: str = Field(validation_alias="id")
    proceeding_id: str
    case_id: str
    case_no: str | None
    partner_id: str
    court_name: str
    state: str
    categories: list[str]
    overdue: list[dict[str, Any]]
    amount: Decimal
    documents: list[dict[str, Any]]
    jurisdiction: dict[str, Any] | None
    requested_by: str
    last_error: str | None
    applied_on: date
    requested_at: datetime | None
    accept_by: date
    accepted_on: date | None
    issue_by: date | None
    order_no: str | None
    issued_on: date | None
    served_on: date | None
    object_by: date | None
    closed_on: date | None
    reason: str | None
    created_at: datetime
