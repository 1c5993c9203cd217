"""Triage input from the database: the form and the employer's history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from onewindow_domain.calendar import CHINA_TZ, china_date, china_today
from onewindow_domain.claims import ClaimCategory
from onewindow_domain.identifiers import id_number_warnings
from onewindow_kit.crypto import FieldCipher
from sqlalchemy import Integer, String, bindparam, cast, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseFile, CaseParty
from intake.cases.schemas import CaseCreate
from intake.lifecycle.service import OPEN_STATUSES, STATUS_ZH
from intake.triage.schemas import FieldWarning, LinkedCase, OpenCaseHit, TriageConfig, TriageResult
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
    return _history(rows, today=today, config=config)


async def open_cases_of(
    *, session: AsyncSession, center_id: str, data: CaseCreate, cipher: FieldCipher, exclude: str | None = None
) -> list[OpenCaseHit]:
    """Applicants of ``data`` already party to an open case of the centre (by ID-number hash: one
    indexed look-up for the whole form, never a plaintext scan)."""
    digests = {cipher.lookup_hash(a.id_number, context="id_number"): i for i, a in enumerate(data.applicants)}
    if not digests:
        return []
    stmt = (
        select(CaseParty.id_number_hash, CaseFile.id, CaseFile.case_no, CaseFile.status)
        .join(CaseFile, CaseFile.id == CaseParty.case_id)
        .where(
            CaseParty.id_number_hash.in_(list(digests)),
            CaseParty.role == "applicant",
            CaseFile.center_id == center_id,
            CaseFile.status.in_(OPEN_STATUSES),
        )
        .order_by(CaseFile.registered_at)
        .limit(200)
    )
    if exclude:
        stmt = stmt.where(CaseFile.id != exclude)
    return [
        OpenCaseHit(
            applicant_index=digests[digest],
            case_id=case_id,
            case_no=case_no,
            status=status,
            status_label=STATUS_ZH[status],
        )
        for digest, case_id, case_no, status in (await session.execute(stmt)).all()
    ]


def _triage_inputs_statement() -> Any:
    """The two look-ups of ``triage_inputs`` as one ``UNION ALL``, built once with bound parameters
    (expanding ``IN`` lists): constructing and cache-keying it per registration was ~5% of intake's
    CPU (decision 0028); its SQL and plan are those of the statement it replaces."""
    center_id: Any = bindparam("center_id")
    case_ids = select(CaseParty.case_id).where(
        CaseParty.role == "respondent", CaseParty.credit_code.in_(bindparam("credit_codes", expanding=True))
    )
    earlier = (
        select(
            literal("history").label("kind"),
            CaseFile.id,
            CaseFile.case_no,
            CaseFile.registered_at,
            CaseFile.worker_count,
            CaseFile.group_id,
            cast(null(), String).label("digest"),
            cast(null(), String).label("status"),
        )
        .where(CaseFile.center_id == center_id, CaseFile.id.in_(case_ids), CaseFile.registered_at >= bindparam("since"))
        .order_by(CaseFile.registered_at)
        .limit(200)
        .subquery()
    )
    open_ = (
        select(
            literal("open").label("kind"),
            CaseFile.id,
            CaseFile.case_no,
            CaseFile.registered_at,
            cast(null(), Integer).label("worker_count"),
            cast(null(), String).label("group_id"),
            CaseParty.id_number_hash.label("digest"),
            CaseFile.status,
        )
        .join(CaseFile, CaseFile.id == CaseParty.case_id)
        .where(
            CaseParty.id_number_hash.in_(bindparam("digests", expanding=True)),
            CaseParty.role == "applicant",
            CaseFile.center_id == center_id,
            CaseFile.status.in_(OPEN_STATUSES),
        )
        .order_by(CaseFile.registered_at)
        .limit(200)
        .subquery()
    )
    return union_all(select(earlier), select(open_))


_TRIAGE_INPUTS = _triage_inputs_statement()


async def triage_inputs(
    *,
    session: AsyncSession,
    center_id: str,
    data: CaseCreate,
    config: TriageConfig,
    today: date,
    cipher: FieldCipher,
) -> tuple[EmployerHistory, list[OpenCaseHit]]:
    """``employer_history`` and ``open_cases_of`` of a new form in one round trip: the two queries
    (each with its own order and limit) as one ``UNION ALL``, told apart by a ``kind`` column."""
    credit_codes = [r.credit_code for r in data.respondents]
    digests = {cipher.lookup_hash(a.id_number, context="id_number"): i for i, a in enumerate(data.applicants)}
    if not credit_codes or not digests:
        history = await employer_history(
            session=session, center_id=center_id, credit_codes=credit_codes, config=config, today=today
        )
        return history, await open_cases_of(session=session, center_id=center_id, data=data, cipher=cipher)
    since_repeat = datetime.combine(today - timedelta(days=config.repeat_window_days), datetime.min.time(), CHINA_TZ)
    params = {"center_id": center_id, "credit_codes": credit_codes, "since": since_repeat, "digests": list(digests)}
    rows = (await session.execute(_TRIAGE_INPUTS, params)).all()
    history_rows = sorted((r for r in rows if r.kind == "history"), key=lambda r: r.registered_at)
    open_rows = sorted((r for r in rows if r.kind == "open"), key=lambda r: r.registered_at)
    return _history(history_rows, today=today, config=config), [
        OpenCaseHit(
            applicant_index=digests[r.digest],
            case_id=r.id,
            case_no=r.case_no,
            status=r.status,
            status_label=STATUS_ZH[r.status],
        )
        for r in open_rows
    ]


def _history(rows: Sequence[Any], *, today: date, config: TriageConfig) -> EmployerHistory:
    since_link = today - timedelta(days=config.link_window_days)
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
    *, session: AsyncSession, center_id: str, data: CaseCreate, config: TriageConfig, cipher: FieldCipher
) -> TriageResult:
    """What triage would say of this form, without saving anything (and which applicants already
    have an open case here)."""
    today = china_today()
    history, open_hits = await triage_inputs(
        session=session, center_id=center_id, data=data, config=config, today=today, cipher=cipher
    )
    result = triage(form=triage_form(data), history=history, config=config, today=today)
    result.open_cases_of_applicants = open_hits
    result.field_warnings = field_warnings(data, today=today)
    return result


def field_warnings(data: CaseCreate, *, today: date) -> list[FieldWarning]:
    """The plausibility checks the SPA runs while typing, from the service: each applicant's ID
    number (area code, under 16 on the day they knew of the infringement)."""
    return [
        FieldWarning(field=f"applicants[{i}].id_number", message=message)
        for i, a in enumerate(data.applicants)
        for message in id_number_warnings(a.id_number, on=data.knew_on, today=today)
    ]
