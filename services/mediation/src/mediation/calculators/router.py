"""Calculator routes (one per kind, so each has its own documented input)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from onewindow_kit.auth import Principal, require_roles
from onewindow_kit.db import SessionDep

from mediation.actor import Actor
from mediation.calculators import service
from mediation.calculators.schemas import (
    AnnualLeaveInput,
    AverageWageIn,
    AverageWagePublic,
    CalculationPublic,
    DoubleWageInput,
    FinalAwardInput,
    NoticePayInput,
    OvertimeInput,
    SeveranceInput,
)
from mediation.config import MediationSettings, SettingsDep

router = APIRouter(prefix="/calculators", tags=["calculators"])

CalculatorUser = Annotated[Principal, Depends(require_roles("mediator", "supervisor", "clerk", "admin"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]


def _run(settings: MediationSettings, kind: str, body, wage_table=None) -> CalculationPublic:  # type: ignore[no-untyped-def]
    city = settings.calculator_city
    return CalculationPublic(**service.calculate(kind=kind, data=body, default_city=city, wage_table=wage_table))


@router.post("/severance", response_model=CalculationPublic, operation_id="calculate_severance")
async def calculate_severance(
    body: SeveranceInput, settings: SettingsDep, session: SessionDep, _user: CalculatorUser
) -> CalculationPublic:
    """经济补偿 N: one month's wage per year of service, with the minimum-wage floor and the 3×/12-year cap
    (the cap needs the city's published average wage; without it the result says so and is not capped)."""
    return _run(settings, "severance", body, await service.wage_table(session))


@router.post("/unlawful-termination", response_model=CalculationPublic, operation_id="calculate_unlawful_termination")
async def calculate_unlawful_termination(
    body: SeveranceInput, settings: SettingsDep, session: SessionDep, _user: CalculatorUser
) -> CalculationPublic:
    """赔偿金 2N for unlawful termination (instead of N, never on top of it)."""
    return _run(settings, "unlawful_termination", body, await service.wage_table(session))


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


@router.post("/notice-pay", response_model=CalculationPublic, operation_id="calculate_notice_pay")
async def calculate_notice_pay(body: NoticePayInput, settings: SettingsDep, _user: CalculatorUser) -> CalculationPublic:
    """代通知金 (LCL 40; 实施条例 Art 20): the previous month's wage unless 30 days' written notice was given."""
    return _run(settings, "notice_pay", body)


@router.get("/average-wages", response_model=list[AverageWagePublic], operation_id="list_average_wages")
async def list_average_wages(session: SessionDep, _user: CalculatorUser) -> list[AverageWagePublic]:
    """The city average wages an administrator has set (LCL 47's 3× cap), with their sources."""
    return [AverageWagePublic.model_validate(f) for f in await service.average_wages(session)]


@router.put("/average-wages/{city}/{year}", response_model=AverageWagePublic, operation_id="set_average_wage")
async def set_average_wage(
    city: Annotated[str, Path(min_length=1, max_length=30)],
    year: Annotated[int, Path(ge=2000, le=2100)],
    body: AverageWageIn,
    session: SessionDep,
    principal: Admin,
) -> AverageWagePublic:
    """Set a city's published average monthly wage of a year with its source document (admins; audited in
    ``/registry/audit?entity=average_wage`` with old and new values)."""
    row = await service.set_average_wage(
        session=session,
        actor=Actor.of(principal),
        city=city,
        year=year,
        monthly=body.monthly,
        source=body.source,
        published_on=body.published_on,
    )
    await session.flush()
    return AverageWagePublic.model_validate(row)
