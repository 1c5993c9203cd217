"""Triage configuration (defaults from DOMAIN.md §4; every threshold is configuration) and result."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

Grade = Literal["red", "yellow", "green"]
GRADE_ZH = {"red": "红", "yellow": "黄", "green": "绿"}


class TriageConfig(BaseModel):
    """Thresholds of the rules. Localities differ, so none of this is hard-coded (DOMAIN.md §4)."""

    version: str = "2026-11"
    city: str = "shenzhen"
    collective_threshold: int = 10  # ≥ N workers with a common claim (LDMAL 7, Rules-33 63)
    link_window_days: int = 30  # separate complaints against one credit code within N days are linked
    repeat_window_days: int = 365  # an earlier complaint against the employer within N days = repeat
    red_workers: int = 30
    red_amount: Decimal = Decimal("1000000")
    yellow_workers: int = 10
    yellow_arrears_workers: int = 3  # "arrears ≥ 1 month's wages for several workers"
    # LDMAL 27(4): which claims are 劳动报酬 without a limit during employment (onewindow_domain.clocks.
    # LIMITATION_27_4_READINGS: "all_remuneration", overtime included, or "wage_arrears_only").
    limitation_27_4_reading: str = "all_remuneration"


class Reason(BaseModel):
    code: str
    text: str  # Simplified Chinese, shown to the clerk


class LinkedCase(BaseModel):
    case_id: str
    case_no: str
    registered_on: date
    worker_count: int


class CollectiveResult(BaseModel):
    is_collective: bool
    worker_count: int
    threshold: int
    common_claims: list[str]
    linked_cases: list[LinkedCase] = Field(default_factory=list)
    linked_worker_count: int = 0
    suggest_merge: bool = False
    group_id: str | None = None
    explanation: str


class LimitationWarning(BaseModel):
    claim_index: int
    category: str
    exceeded: bool
    expires_on: date | None
    knew_on: date
    applied_on: date
    employment_ended_on: date | None
    explanation: str
    warning: str | None


class WorkerAmount(BaseModel):
    worker_index: int
    amount: Decimal
    within_limit: bool


class FinalAwardFlag(BaseModel):
    """LDMAL 47 for one claim item, judged per worker (onewindow_domain.final_award_item)."""

    claim_index: int
    category: str
    amount: Decimal
    threshold: Decimal | None  # 12 × the monthly minimum wage; None for 47(2) items (final whatever the amount)
    is_final: bool  # final for every worker
    status: Literal["final", "not_final", "mixed", "undetermined"]
    status_label: str
    kind: str | None  # 劳动报酬 / 工伤医疗费 / 经济补偿 / 赔偿金
    worker_count: int
    workers: list[WorkerAmount] = Field(default_factory=list)  # when each worker's amount is known
    basis: str


class RouteSuggestion(BaseModel):
    route: Literal["mediation", "inspection", "legal_aid", "arbitration", "petition", "negotiation"]
    route_label: str
    to: str  # who it would go to
    reasons: list[Reason]
    also: list[str] = Field(default_factory=list)  # other channels worth offering (e.g. legal aid)


class OpenCaseHit(BaseModel):
    """An applicant already party to an open case of the centre (same ID number, by its keyed hash):
    registering them again would count them twice (重复登记提示)."""

    applicant_index: int
    case_id: str
    case_no: str
    status: str
    status_label: str


class FieldWarning(BaseModel):
    """Something odd in a field that does not stop registration (an ID number's unknown area code, a
    worker under 16): for the clerk to check with the party. Named like the problem+json errors."""

    field: str = Field(examples=["applicants[0].id_number"])
    message: str


class TriageResult(BaseModel):
    config_version: str
    grade: Grade
    grade_label: str
    reasons: list[Reason]
    dispute_type: Literal["rights", "interest"]
    dispute_type_label: str
    collective: CollectiveResult
    limitation: list[LimitationWarning]
    limitation_warning: bool
    final_award: list[FinalAwardFlag]
    route: RouteSuggestion
    applied_on: date
    open_cases_of_applicants: list[OpenCaseHit] = Field(
        default_factory=list, description="applicants already party to an open case here (flagged at the window)"
    )
    field_warnings: list[FieldWarning] = Field(
        default_factory=list, description="plausibility warnings by field (never errors): check with the party"
    )
