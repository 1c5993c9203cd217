"""Shapes of the report's figures; ``figure`` is the key for ``GET /stats/cases`` (the drill-down)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field


class Figure(BaseModel):
    label: str
    count: int
    figure: str = Field(description="pass to GET /stats/cases?figure=… for the cases behind it")


class DeskHandoffs(BaseModel):
    desk: str
    label: str
    total: int
    outcomes: dict[str, Figure]


class LegalAidReview(BaseModel):
    promise_days: int
    decided: int
    within_promise: int
    share_within_promise: float | None


class Report(BaseModel):
    amount_agreed: Decimal = Field(description="amounts the agreements promised (挽回金额 is what was paid)")
    average_days_to_close: float | None
    handoffs: list[DeskHandoffs]
    legal_aid_review: LegalAidReview
    referrals_in: dict[str, Figure]
    referrals_out: dict[str, Figure]
    partner_outcomes: dict[str, Figure]
