"""Calculator routes (one per kind, so each has its own documented input)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from onewindow_kit.auth import Principal, require_roles

from mediation.calculators import service
from mediation.calculators.schemas import (
    AnnualLeaveInput,
    CalculationPublic,
    DoubleWageInput,
    FinalAwardInput,
    OvertimeInput,
    SeveranceInput,
)
from mediation.config import MediationSettings, SettingsDep

router = APIRouter(prefix="/calculators", tags=["calculators"])

CalculatorUser = Annotated[Principal, Depends(require_roles("mediator", "supervisor", "clerk", "admin"))]


def _run(settings: MediationSettings, kind: str, body) -> CalculationPublic:  # type: ignore[no-untyped-def]
    city = settings.calculator_city
    return CalculationPublic(**service.calculate(kind=kind, data=body, default_city=city))


@router.post("/severance", response_model=CalculationPublic, operation_id="calculate_severance")
async def calculate_severance(body: SeveranceInput, settings: SettingsDep, _user: CalculatorUser) -> CalculationPublic:
    """经济补偿 N: one month's wage per year of service, with the minimum-wage floor and the 3×/12-year cap."""
    return _run(settings, "severance", body)


@router.post("/unlawful-termination", response_model=CalculationPublic, operation_id="calculate_unlawful_termination")
async def calculate_unlawful_termination(
    body: SeveranceInput, settings: SettingsDep, _user: CalculatorUser
) -> CalculationPublic:
    """赔偿金 2N for unlawful termination (instead of N, never on top of it)."""
    return _run(settings, "unlawful_termination", body)


@router.post("/double-wage", response_model=CalculationPublic, operation_id="calculate_double_wage")
async def calculate_double_wage(
    body: DoubleWageInput, settings: SettingsDep, _user: CalculatorUser
) -> CalculationPublic:
    """The second wage for months without a written contract (from month 2, at most 11 months)."""
    return _run(settings, "no_contract_double_wage", body)


@router.post("/overtime", response_model=CalculationPublic, operation_id="calculate_overtime")
async def calculate_overtime(body: OvertimeInput, settings: SettingsDep, _user: CalculatorUser) -> CalculationPublic:
    """Overtime pay at 150% / 200% / 300% of the hourly wage (monthly ÷ 21.75 ÷ 8)."""
    return _run(settings, "overtime", body)


@router.post("/annual-leave", response_model=CalculationPublic, operation_id="calculate_annual_leave")
async def calculate_annual_leave(
    body: AnnualLeaveInput, settings: SettingsDep, _user: CalculatorUser
) -> CalculationPublic:
    """Unused annual leave: an extra 200% of the daily wage per day."""
    return _run(settings, "annual_leave", body)


@router.post("/final-award", response_model=CalculationPublic, operation_id="calculate_final_award")
async def calculate_final_award(
    body: FinalAwardInput, settings: SettingsDep, _user: CalculatorUser
) -> CalculationPublic:
    """Whether one claim item is within final-award scope (≤ 12 × the local monthly minimum wage)."""
    return _run(settings, "final_award", body)
