"""Triage input from the database: the form and the employer's history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from onewindow_domain.calendar import CHINA_TZ, china_date, china_today
from onewindow_domain.claims import ClaimCategory
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseFile, CaseParty
from intake.cases.schemas import CaseCreate
from intake.triage.schemas import LinkedCase, TriageConfig, TriageResult
from intake.triage.service import Claim, EmployerHistory, Form, triage


def triage_form(data: CaseCreate) -> Form:
    return Form(
        channel=data.channel.value,
        worker_count=len(data.applicants),
        claims=tuple(
            Claim(
                category=ClaimCategory(c.category),
                amount=c.amount,
                period_start_on=c.period_start_on,
                period_end_on=c.period_end_on,
                worker_amounts=tuple(c.amounts_by_applicant) if c.amounts_by_applicant is not None else None,
            )
            for c in data.claims
        ),
        monthly_wages=tuple(a.monthly_wage for a in data.applicants if a.monthly_wage is not None),
        migrant_or_platform_workers=sum(1 for a in data.applicants if a.migrant_worker or a.platform_worker),
        employment_end_on=data.employment_end_on,
        knew_on=data.knew_on,
        employer_absconded=data.signals.employer_absconded,
        collective_action=data.signals.collective_action,
        repeat_complaint=data.signals.repeat_complaint,
    )


async def employer_history(
    *,
    session: AsyncSession,
    center_id: str,
    credit_codes: Sequence[str],
    config: TriageConfig,
    today: date,
    exclude_case_id: str | None = None,
) -> EmployerHistory:
    """Earlier cases of this centre against the same credit codes (the link and repeat windows)."""
    if not credit_codes:
        return EmployerHistory()
    since_repeat = datetime.combine(today - timedelta(days=config.repeat_window_days), datetime.min.time(), CHINA_TZ)
    since_link = today - timedelta(days=config.link_window_days)
    case_ids = select(CaseParty.case_id).where(
        CaseParty.role == "respondent", CaseParty.credit_code.in_(list(credit_codes))
    )
    query = (
        select(CaseFile.id, CaseFile.case_no, CaseFile.registered_at, CaseFile.worker_count, CaseFile.group_id)
        .where(CaseFile.center_id == center_id, CaseFile.id.in_(case_ids), CaseFile.registered_at >= since_repeat)
        .order_by(CaseFile.registered_at)
        .limit(200)
    )
    if exclude_case_id:
        query = query.where(CaseFile.id != exclude_case_id)
    rows = (await session.execute(query)).all()
    linked = tuple(
        LinkedCase(
            case_id=r.id, case_no=r.case_no, registered_on=china_date(r.registered_at), worker_count=r.worker_count
        )
        for r in rows
        if china_date(r.registered_at) >= since_link
    )
    group = next((r.group_id for r in rows if r.group_id and china_date(r.registered_at) >= since_link), None)
    return EmployerHistory(linked=linked, earlier_complaints=len(rows), group_id=group)


async def preview_triage(
    *, session: AsyncSession, center_id: str, data: CaseCreate, config: TriageConfig
) -> TriageResult:
    """What triage would say of this form, without saving anything."""
    today = china_today()
    history = await employer_history(
        session=session,
        center_id=center_id,
        credit_codes=[r.credit_code for r in data.respondents],
        config=config,
        today=today,
    )
    return triage(form=triage_form(data), history=history, config=config, today=today)
