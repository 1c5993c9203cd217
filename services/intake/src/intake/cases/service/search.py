"""Search: keyset pages over the cases a principal may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from onewindow_domain.calendar import CHINA_TZ, china_today
from onewindow_domain.identifiers import validate_id_number
from onewindow_kit.auth import Principal
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.pagination import decode_cursor, encode_cursor
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseFile, CaseParty
from intake.cases.service.lifecycle import CLOCKED_STATUSES, OPEN_STATUSES


@dataclass(frozen=True)
class CaseQuery:
    case_no: str | None = None
    applicant_name: str | None = None
    id_number: str | None = None
    employer: str | None = None
    credit_code: str | None = None
    status: str | None = None
    risk_grade: str | None = None
    channel: str | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    overdue: bool | None = None
    open_only: bool = False
    center_id: str | None = None


async def search_cases(
    *,
    session: AsyncSession,
    principal: Principal,
    query: CaseQuery,
    cipher: FieldCipher,
    cursor: str | None,
    limit: int,
) -> tuple[list[CaseFile], str | None]:
    """Cases matching ``query`` that ``principal`` may see, newest first, keyset-paginated."""
    stmt = select(CaseFile)
    if principal.has_any_role("admin"):
        if query.center_id:
            stmt = stmt.where(CaseFile.center_id == query.center_id)
    else:
        stmt = stmt.where(CaseFile.center_id == principal.center_id)
    if query.case_no:
        stmt = stmt.where(CaseFile.case_no == query.case_no.strip())
    if query.id_number:
        digest = cipher.lookup_hash(validate_id_number(query.id_number).value, context="id_number")
        stmt = stmt.where(CaseFile.id.in_(select(CaseParty.case_id).where(CaseParty.id_number_hash == digest)))
    if query.applicant_name:
        stmt = stmt.where(
            CaseFile.id.in_(
                select(CaseParty.case_id).where(
                    CaseParty.role == "applicant", CaseParty.name == query.applicant_name.strip()
                )
            )
        )
    if query.credit_code:
        stmt = stmt.where(
            CaseFile.id.in_(
                select(CaseParty.case_id).where(
                    CaseParty.role == "respondent", CaseParty.credit_code == query.credit_code.strip().upper()
                )
            )
        )
    if query.employer:
        pattern = "%" + query.employer.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(CaseFile.employer_names.like(pattern, escape="\\"))
    if query.status:
        stmt = stmt.where(CaseFile.status == query.status)
    if query.open_only:
        stmt = stmt.where(CaseFile.status.in_(OPEN_STATUSES))
    if query.risk_grade:
        stmt = stmt.where(CaseFile.risk_grade == query.risk_grade)
    if query.channel:
        stmt = stmt.where(CaseFile.channel == query.channel)
    if query.registered_from:
        stmt = stmt.where(
            CaseFile.registered_at >= datetime.combine(query.registered_from, datetime.min.time(), CHINA_TZ)
        )
    if query.registered_to:
        stmt = stmt.where(
            CaseFile.registered_at
            < datetime.combine(query.registered_to + timedelta(days=1), datetime.min.time(), CHINA_TZ)
        )
    if query.overdue is not None:
        overdue = and_(
            CaseFile.deadline_on.is_not(None),
            CaseFile.deadline_on < china_today(),
            CaseFile.status.in_(CLOCKED_STATUSES),
        )
        stmt = stmt.where(overdue if query.overdue else ~overdue)
    if cursor:
        at, case_id = decode_cursor(cursor)
        stmt = stmt.where(or_(CaseFile.registered_at < at, and_(CaseFile.registered_at == at, CaseFile.id < case_id)))
    rows = (
        (await session.execute(stmt.order_by(CaseFile.registered_at.desc(), CaseFile.id.desc()).limit(limit + 1)))
        .scalars()
        .all()
    )
    page = list(rows[:limit])
    return page, encode_cursor(page[-1].registered_at, page[-1].id) if len(rows) > limit else None


async def applicants_of(*, session: AsyncSession, case_ids: Sequence[str]) -> dict[str, list[CaseParty]]:
    if not case_ids:
        return {}
    rows = (
        (
            await session.execute(
                select(CaseParty)
                .where(CaseParty.case_id.in_(list(case_ids)), CaseParty.role == "applicant")
                .order_by(CaseParty.position)
            )
        )
        .scalars()
        .all()
    )
    out: dict[str, list[CaseParty]] = {}
    for party in rows:
        out.setdefault(party.case_id, []).append(party)
    return out
