"""Search: keyset pages over the cases a principal may see."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from onewindow_domain.calendar import CHINA_TZ, china_today
from onewindow_domain.identifiers import validate_id_number
from onewindow_kit.auth import Principal
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.pagination import decode_cursor, encode_cursor
from sqlalchemy import and_, false, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseFile, CaseParty
from intake.cases.service.lifecycle import CLOCKED_STATUSES, OPEN_STATUSES


@dataclass(frozen=True)
class CaseQuery:
    q: str | None = None  # what a clerk types: a case-number fragment, a name prefix or an employer fragment
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
    if query.q and query.q.strip():
        # One id set per reading of what was typed, each on its own index, united (an OR across a
        # semi-join would make PostgreSQL filter every case of the centre; PERFORMANCE.md).
        text = query.q.strip()
        scope = stmt.whereclause
        by_number = select(CaseFile.id).where(or_(*_case_no_terms(text)))
        by_employer = select(CaseFile.id).where(CaseFile.employer_names.like(_contains(text), escape="\\"))
        if scope is not None:
            by_number, by_employer = by_number.where(scope), by_employer.where(scope)
        by_name = select(CaseParty.case_id).where(CaseParty.role == "applicant", _name_prefix(session, text))
        stmt = stmt.where(await _matching_ids(session, union(by_number, by_name, by_employer)))
    if query.case_no:
        stmt = stmt.where(or_(*_case_no_terms(query.case_no.strip())))
    if query.id_number:
        stmt = stmt.where(
            CaseFile.id.in_(select(CaseParty.case_id).where(CaseParty.id_number_hash == _digest(cipher, query)))
        )
    if query.applicant_name:
        by_name = select(CaseParty.case_id).where(
            CaseParty.role == "applicant", _name_prefix(session, query.applicant_name.strip())
        )
        stmt = stmt.where(await _matching_ids(session, by_name))
    if query.credit_code:
        stmt = stmt.where(
            CaseFile.id.in_(
                select(CaseParty.case_id).where(
                    CaseParty.role == "respondent", CaseParty.credit_code == query.credit_code.strip().upper()
                )
            )
        )
    if query.employer:
        stmt = stmt.where(CaseFile.employer_names.like(_contains(query.employer.strip()), escape="\\"))
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


_DIGITS = re.compile(r"\d+")
# What a clerk types when the text is a case number or a piece of one: digits with the number's own
# punctuation ("00002", "2026 2", "2026-00002", "〔2026〕2号"). A name or an employer with a digit in it
# ("欧阳A5", "华强3号店") is not read as a sequence number.
_NUMBER_LIKE = re.compile(r"^[\d\s〔〕()（）\[\]\-/年号第]+$")
# Up to this many matching ids are fetched first and handed to the page query as a list; more (a
# one-character prefix) and the page query keeps the semi-join, whose early matches end it soon.
_ID_LIST_CAP = 2000


async def _matching_ids(session: AsyncSession, ids: Any) -> Any:
    """``CaseFile.id IN (…)`` for the ids ``ids`` selects: as a literal list when there are few (the
    planner then probes the primary key, instead of hashing every case of the centre or walking
    its newest-first index — measured in PERFORMANCE.md), else as the subquery itself."""
    found = list(dict.fromkeys((await session.execute(select(ids.subquery().c[0]).limit(_ID_LIST_CAP + 1))).scalars()))
    if len(found) > _ID_LIST_CAP:
        return CaseFile.id.in_(ids)
    return CaseFile.id.in_(found) if found else false()


def _digest(cipher: FieldCipher, query: CaseQuery) -> str:
    assert query.id_number is not None
    return cipher.lookup_hash(validate_id_number(query.id_number).value, context="id_number")


def _contains(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _case_no_terms(text: str) -> list[Any]:
    """A case number, whole or as people type it: "00002" is sequence 2 of any year, "2026 2" (or
    "2026-00002") sequence 2 of 2026, "2026" also the year; all on the (centre, year, seq) and
    (centre, seq) indexes. Anything else must be the whole number (the unique index)."""
    terms: list[Any] = [CaseFile.case_no == text]
    if not _NUMBER_LIKE.match(text) and "〔" not in text:
        return terms
    numbers = _DIGITS.findall(text)
    if len(numbers) >= 2 and len(numbers[0]) == 4 and len(numbers[-1]) <= 9:  # (an int column)
        terms.append(and_(CaseFile.year == int(numbers[0]), CaseFile.seq == int(numbers[-1])))
    elif len(numbers) == 1 and len(numbers[0]) <= 9:
        value = int(numbers[0])
        terms.append(CaseFile.seq == value)
        if len(numbers[0]) == 4 and 2000 <= value <= 2099:
            terms.append(CaseFile.year == value)
    return terms


def _name_prefix(session: AsyncSession, prefix: str) -> Any:
    """Names starting with ``prefix`` ("陈志" finds 陈志强) on the name index: ``LIKE 'p%'`` with the
    pattern-ops index on PostgreSQL, the equivalent range on SQLite (whose LIKE ignores indexes)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    if dialect == "postgresql":
        return CaseParty.name.like(
            prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", escape="\\"
        )
    return and_(CaseParty.name >= prefix, CaseParty.name < prefix + "\U0010ffff")


async def matched_parties(
    *, session: AsyncSession, query: CaseQuery, cipher: FieldCipher, case_ids: Sequence[str]
) -> dict[str, tuple[CaseParty, str]]:
    """For each case of a page, the party the search matched (by ID number or name prefix), so the
    desk shows THAT worker and their own masked ID."""
    if not case_ids:
        return {}
    conditions: list[tuple[Any, str]] = []
    if query.id_number:
        conditions.append((CaseParty.id_number_hash == _digest(cipher, query), "id_number"))
    for name in (query.applicant_name, query.q):
        if name and name.strip():
            conditions.append(
                (and_(CaseParty.role == "applicant", _name_prefix(session, name.strip())), "applicant_name")
            )
    out: dict[str, tuple[CaseParty, str]] = {}
    for condition, kind in conditions:
        rows = await session.execute(
            select(CaseParty)
            .where(CaseParty.case_id.in_(list(case_ids)), condition)
            .order_by(CaseParty.case_id, CaseParty.role, CaseParty.position)
        )
        for party in rows.scalars():
            out.setdefault(party.case_id, (party, kind))
    return out


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
