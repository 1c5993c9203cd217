"""Shapes of the staff's view of an agreement's enforceability (司法确认, 支付令) and of court choice."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from court_bridge.confirmations.schemas import ApplicationPublic
from court_bridge.payment_orders.schemas import PaymentOrderPublic


class CourtChoicePublic(BaseModel):
    partner_id: str
    name: str
    reasons: list[str] = Field(description="why it may hear the application (民事诉讼法 第205条)")


class PaymentOrderOffer(BaseModel):
    eligible: bool
    categories: list[str]
    reasons_zh: list[str]
    basis_zh: str
    overdue: list[dict[str, Any]]


class AgreementEnforcementPublic(BaseModel):
    """One agreement: its confirmation window, its performance, and the applications made on it."""

    proceeding_id: str
    case_id: str
    case_no: str | None
    agreement_no: str
    effective_on: date
    confirmation_apply_by: date
    confirmation_open: bool = Field(description="still within the 30 days to apply for 司法确认")
    referral_id: str | None
    overdue: list[int]
    paid: list[int]
    fulfilled: bool
    confirmation: ApplicationPublic | None
    payment_order_offer: PaymentOrderOffer
    payment_orders: list[PaymentOrderPublic]


class JurisdictionSet(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    districts: list[str] = Field(
        max_length=100, description="区/县 names the basic court serves, e.g. 福田区 (matched in addresses)"
    )


class JurisdictionPublic(BaseModel):
    partner_id: str
    districts: list[str]
