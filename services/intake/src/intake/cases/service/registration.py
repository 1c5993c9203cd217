"""Registration: the case number, the case, its parties, claims, timeline and event in one transaction."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, TypeVar, cast

from onewindow_domain import clock
from onewindow_domain.calendar import china_date
from onewindow_domain.identifiers import mask_id_number, mask_mobile, validate_id_number
from onewindow_kit import sqltext
from onewindow_kit.auth import Principal
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import BadRequest, ValidationFailed
from onewindow_kit.events import publish
from onewindow_kit.events.outbox import outbox_sql_many, prepare_event
from onewindow_kit.sms import normalise_mobile
from sqlalchemy import Text, bindparam, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from intake.cases.models import CaseClaim, CaseCounter, CaseFile, CaseParty, TimelineEntry, new_id
from intake.cases.schemas import CaseCreate
from intake.cases.service.lifecycle import _apply_route, _case_event, _timeline
from intake.cases.service.triage_input import triage_form, triage_inputs
from intake.centers.models import Center
from intake.notifications import service as notifications
from intake.triage.schemas import TriageConfig
from intake.triage.service import triage

# What other domain folders write in the registering transaction (the SMS 受理通知: intake.notices),
# registered by main.py so that cases never imports them (no import cycle between folders). A hook
# returns the rows to write — (table model, its constructor's keywords) — rather than writing them,
# so that on PostgreSQL they go in registration's own statement (decision 0028).
RegistrationRows = list[tuple[type[SQLModel], dict[str, Any]]]
RegistrationHook = Callable[[AsyncSession, CaseFile, list[CaseParty]], RegistrationRows]
AFTER_REGISTRATION: list[RegistrationHook] = []


def _after_registration(session: AsyncSession, case: CaseFile, parties: list[CaseParty]) -> RegistrationRows:
    return [r for hook in AFTER_REGISTRATION for r in hook(session, case, parties)]


@dataclass(frozen=True)
class CenterNumbering:
    """What registration needs of its centre, read without loading the ORM object."""

    id: str
    short_name: str
    case_no_format: str
    active: bool


_CENTER = text("SELECT id, short_name, case_no_format, active FROM center WHERE id = :id")


async def _numbering(session: AsyncSession, center_id: str) -> CenterNumbering | None:
    row = (await session.execute(_CENTER, {"id": center_id})).first()
    return CenterNumbering(str(row[0]), str(row[1]), str(row[2]), bool(row[3])) if row else None


async def next_case_number(*, session: AsyncSession, center: Center | CenterNumbering, year: int) -> tuple[int, str]:
    """Take the next number of ``center`` in ``year``: gap-free, because the counter row is updated
    in the registration's own transaction (a rollback gives the number back) and locked until commit."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(CaseCounter)
        .values(center_id=center.id, year=year, last_seq=1)
        .on_conflict_do_update(index_elements=["center_id", "year"], set_={"last_seq": CaseCounter.last_seq + 1})
        .returning(CaseCounter.last_seq)
    )
    seq = (await session.execute(stmt)).scalar_one()
    return seq, center.case_no_format.format(short_name=center.short_name, year=year, seq=seq)


def _mask_phone(phone: str | None) -> str | None:
    """Mobile numbers as 138****8000; other numbers (landlines) keep only their last four digits."""
    if not phone:
        return None
    if len(phone) == 11 and phone.isdigit():
        return mask_mobile(phone)
    return "*" * max(0, len(phone) - 4) + phone[-4:]


def phone_ref(cipher: FieldCipher, phone: str | None) -> str | None:
    """The keyed hash of a mobile number (landlines get none: nobody signs in with one)."""
    try:
        return cipher.lookup_hash(normalise_mobile(phone), context="phone") if phone else None
    except BadRequest:
        return None


def _protect(cipher: FieldCipher, value: str | None, context: str) -> str | None:
    return cipher.encrypt(value, context=context) if value else None


async def register_case(
    *,
    session: AsyncSession,
    principal: Principal,
    center_id: str,
    data: CaseCreate,
    config: TriageConfig,
    cipher: FieldCipher,
) -> Registered:
    """Register a dispute once: parties, claims, triage, a gap-free number, events, timeline."""
    center = await _numbering(session, center_id)
    if center is None or not center.active:
        raise ValidationFailed.field("center_id", "受理中心不存在或已停用")
    now = clock.now()
    today = china_date(now)
    credit_codes = [r.credit_code for r in data.respondents]
    history, open_hits = await triage_inputs(
        session=session, center_id=center_id, data=data, config=config, today=today, cipher=cipher
    )
    result = triage(form=triage_form(data), history=history, config=config, today=today)
    # The worker already party to an open case is flagged on the new case too (it stays in triage).
    result.open_cases_of_applicants = open_hits

    route_choice = data.route
    if route_choice and route_choice.route.value != result.route.route and not route_choice.reason:
        raise ValidationFailed.field("route.reason", "改变建议分流去向时须填写理由")
    case_no_sql = _case_no_sql(center, today.year)
    # PostgreSQL: the number is taken in the statement that writes the case, and everything else
    # (parties, claims, timeline, events and their deliveries, the SMS notices) goes in one more;
    # what is written is then plain values, never ORM instances (decision 0028).
    fast = not route_choice and case_no_sql is not None and _dialect(session) == "postgresql"
    make = _plain if fast else _orm

    case = make(
        CaseFile,
        id=new_id(),
        center_id=center_id,
        year=today.year,
        seq=0,
        case_no="",
        channel=data.channel.value,
        dispute_type=result.dispute_type,
        risk_grade=result.grade,
        collective=result.collective.is_collective,
        worker_count=len(data.applicants),
        triage=json.loads(result.model_dump_json()),
        suggested_route=result.route.route,
        facts=data.facts,
        employment_start_on=data.employment_start_on,
        employment_end_on=data.employment_end_on,
        knew_on=data.knew_on,
        street=data.street,
        total_claimed=sum((c.amount for c in data.claims), Decimal("0")),
        employer_names=" / ".join(r.name for r in data.respondents)[:1000],
        primary_credit_code=credit_codes[0],
        external_ref=data.external_ref,
        deadline_on=data.deadline_on,
        registered_by=principal.subject,
        registered_by_name=(principal.name or principal.subject)[:100],
        registered_at=now,
        updated_at=now,
    )
    if result.collective.linked_cases:
        case.group_id = history.group_id or new_id()
        unlinked = [c.case_id for c in result.collective.linked_cases]
        await session.execute(
            update(CaseFile)
            .where(CaseFile.id.in_(unlinked), CaseFile.group_id.is_(None))
            .values(group_id=case.group_id)
        )
        case.triage["collective"]["group_id"] = case.group_id

    parties: list[CaseParty] = []
    for i, a in enumerate(data.applicants):
        ident = validate_id_number(a.id_number)
        parties.append(
            make(
                CaseParty,
                case_id=case.id,
                role="applicant",
                position=i,
                name=a.name,
                id_number_enc=_protect(cipher, ident.value, "id_number"),
                id_number_hash=cipher.lookup_hash(ident.value, context="id_number"),
                id_number_masked=ident.masked,
                sex=ident.sex,
                birth_on=ident.birth_date,
                phone_enc=_protect(cipher, a.phone, "phone"),
                phone_masked=mask_mobile(a.phone) if a.phone else None,
                phone_hash=phone_ref(cipher, a.phone),
                address=a.address,
                occupation=a.occupation,
                monthly_wage=a.monthly_wage,
                migrant_worker=a.migrant_worker,
                platform_worker=a.platform_worker,
            )
        )
    for i, r in enumerate(data.respondents):
        parties.append(
            make(
                CaseParty,
                case_id=case.id,
                role="respondent",
                position=i,
                name=r.name,
                credit_code=r.credit_code,
                employer_role=r.role,
                address=r.address,
                legal_representative=r.legal_representative,
                industry=r.industry,
                phone_enc=_protect(cipher, r.phone, "phone"),
                phone_masked=_mask_phone(r.phone),
                phone_hash=phone_ref(cipher, r.phone),
            )
        )
    for i, g in enumerate(data.agents):
        parties.append(
            make(
                CaseParty,
                case_id=case.id,
                role="agent",
                position=i,
                name=g.name,
                agent_kind=g.kind,
                represents=g.represents,
                has_power_of_attorney=g.has_power_of_attorney,
                id_number_enc=_protect(cipher, g.id_number, "id_number"),
                id_number_hash=cipher.lookup_hash(g.id_number, context="id_number") if g.id_number else None,
                id_number_masked=mask_id_number(g.id_number) if g.id_number else None,
                phone_enc=_protect(cipher, g.phone, "phone"),
                phone_masked=mask_mobile(g.phone) if g.phone else None,
                phone_hash=phone_ref(cipher, g.phone),
            )
        )
    final = {f.claim_index: f.is_final for f in result.final_award}
    claims = [
        make(
            CaseClaim,
            case_id=case.id,
            position=i,
            category=c.category.value,
            amount=c.amount,
            period_start_on=c.period_start_on,
            period_end_on=c.period_end_on,
            description=c.description,
            final_award=final.get(i, False),
        )
        for i, c in enumerate(data.claims)
    ]

    registered_summary = "窗口登记受理，编号{case_no}；风险等级{grade}；建议分流：{route}"
    alert_summary = "红色预警：" + "；".join(r.text for r in result.reasons)
    if fast:
        assert case_no_sql is not None
        case.seq, case.case_no = await _insert_case_numbered(session, case, center, today.year, case_no_sql)
        entries = [
            _entry(
                case,
                principal,
                kind="case.registered",
                summary=registered_summary.format(
                    case_no=case.case_no, grade=result.grade_label, route=result.route.route_label
                ),
            )
        ]
        events = [
            prepare_event(session, type="intake.case.registered", case_id=case.id, data=_case_event(case), plain=True)
        ]
        if result.grade == "red":
            events.append(
                prepare_event(
                    session,
                    type="intake.alert.raised",
                    case_id=case.id,
                    data={**_case_event(case), "alert": "red_grade", "reasons": [r.code for r in result.reasons]},
                    plain=True,
                )
            )
            entries.append(_entry(case, principal, kind="alert.raised", summary=alert_summary))
        extra = [(model, _plain(model, **values)) for model, values in _after_registration(session, case, parties)]
        await _insert_rest(
            session,
            [(CaseParty, p) for p in parties]
            + [(CaseClaim, c) for c in claims]
            + [(TimelineEntry, e) for e in entries]
            + extra,
            events,
        )
        if result.grade == "red":
            # The centre's supervisors are told (rare: one more statement for a red case only).
            await notifications.notify(
                session,
                center_id=case.center_id,
                audiences=["role:supervisor"],
                cause=f"red:{case.id}",
                kind="red_alert",
                title=f"红色预警：{case.case_no}",
                body="；".join(r.text for r in result.reasons),
                case_id=case.id,
                link=f"/cases/{case.id}",
            )
        return Registered(case, _ordered(parties), claims)

    # The number comes last: the counter row stays locked from here to the commit, so keep it short.
    case.seq, case.case_no = await next_case_number(session=session, center=center, year=today.year)
    session.add(case)
    await session.flush()
    session.add_all(parties)
    session.add_all(claims)
    _timeline(
        session,
        case,
        kind="case.registered",
        actor=principal,
        summary=registered_summary.format(
            case_no=case.case_no, grade=result.grade_label, route=result.route.route_label
        ),
    )
    await publish(session, type="intake.case.registered", case_id=case.id, data=_case_event(case))
    if result.grade == "red":
        await publish(
            session,
            type="intake.alert.raised",
            case_id=case.id,
            data={**_case_event(case), "alert": "red_grade", "reasons": [r.code for r in result.reasons]},
        )
        _timeline(session, case, kind="alert.raised", actor=principal, summary=alert_summary)
        await notifications.notify(
            session,
            center_id=case.center_id,
            audiences=["role:supervisor"],
            cause=f"red:{case.id}",
            kind="red_alert",
            title=f"红色预警：{case.case_no}",
            body="；".join(r.text for r in result.reasons),
            case_id=case.id,
            link=f"/cases/{case.id}",
        )
    if route_choice:
        await _apply_route(
            session=session,
            case=case,
            principal=principal,
            route=route_choice.route,
            reason=route_choice.reason,
            suggested=result.route.route,
        )
    session.add_all(model(**values) for model, values in _after_registration(session, case, parties))
    await session.flush()
    return Registered(case, _ordered(parties), claims)


@dataclass
class Registered:
    """What a registration wrote: the response is built from it, not read back (on the PostgreSQL
    path these are plain values with the models' attributes, not ORM instances: ``_plain``)."""

    case: CaseFile
    parties: list[CaseParty]
    claims: list[CaseClaim]


def _ordered(parties: list[CaseParty]) -> list[CaseParty]:
    return sorted(parties, key=lambda p: (p.role, p.position))  # as case_parts reads them


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind else "sqlite"


_Model = TypeVar("_Model", bound=SQLModel)


def _orm(model: type[_Model], **values: Any) -> _Model:
    return model(**values)


def _plain(model: type[_Model], **values: Any) -> _Model:
    """What ``model(**values)`` would hold, as a plain object with the same attributes (defaults
    filled by ``sqltext.row``): written by this module's statements and read by the response, it
    never meets a session, and building it costs a tenth of an ORM instance."""
    return cast(_Model, SimpleNamespace(**sqltext.row(model, **values)))


def _row(model: type[SQLModel], obj: Any) -> dict[str, Any]:
    """An object's column values for an insert (database-generated keys left out)."""
    table: Any = model.__table__
    return {c.name: getattr(obj, c.key) for c in table.columns if not (c.primary_key and getattr(obj, c.key) is None)}


def _entry(case: CaseFile, actor: Principal, *, kind: str, summary: str) -> TimelineEntry:
    return _plain(
        TimelineEntry,
        case_id=case.id,
        at=utcnow(),
        source="intake",
        kind=kind,
        summary=summary[:500],
        data={},
        actor=actor.name or actor.subject,
    )


_SEQ_SPEC = re.compile(r"^0?(\d*)d?$")


def _case_no_sql(center: Center | CenterNumbering, year: int) -> list[str | tuple[int, bool]] | None:
    """The centre's number format as literal text and ``seq`` slots ``(width, zero-padded)``, or
    None when it uses a ``seq`` spec SQL cannot reproduce (then the two-statement path runs)."""
    parts: list[str | tuple[int, bool]] = []
    for text_, field_name, spec, conversion in string.Formatter().parse(center.case_no_format):
        if text_:
            parts.append(text_)
        if field_name is None:
            continue
        if conversion:
            return None
        if field_name == "seq":
            match = _SEQ_SPEC.match(spec or "")
            if not match:
                return None
            parts.append((int(match.group(1) or 0), (spec or "").startswith("0")))
        else:
            value = {"short_name": center.short_name, "year": year}.get(field_name)
            if value is None:
                return None
            parts.append(format(value, spec or ""))
    if any(isinstance(p, tuple) and not p[1] and p[0] for p in parts):
        return None  # space-padded widths: rare, left to Python
    return parts


_STATEMENTS = sqltext.StatementCache()


async def _insert_case_numbered(
    session: AsyncSession,
    case: CaseFile,
    center: Center | CenterNumbering,
    year: int,
    case_no: list[str | tuple[int, bool]],
) -> tuple[int, str]:
    """INSERT the case with the next number of its centre-year taken in the same statement (a CTE
    upserting the counter row): gap-free as before — the increment is part of the transaction, a
    rollback gives the number back — and the counter row is locked only from here to the commit.
    The SQL is built once per shape (the case's columns, the number format's pattern; decision 0024)."""
    values = _row(CaseFile, case)
    columns = tuple(values)
    pattern = tuple(p if isinstance(p, tuple) else "text" for p in case_no)
    params = sqltext.params({k: v for k, v in values.items() if k not in ("seq", "case_no")}, "c")
    params |= {"n_center_id": center.id, "n_year": year}
    params |= {f"n_part{i}": p for i, p in enumerate(case_no) if isinstance(p, str)}

    def build() -> Any:
        table = CaseFile.__table__
        counter = CaseCounter.__table__
        binds: list[Any] = []

        def bound(column: Any, key: str) -> str:
            sql, bind = sqltext.typed(column, key)
            binds.append(bind)
            return sql

        seq_text = "CAST(number.last_seq AS TEXT)"
        pieces: list[str] = []
        for i, part in enumerate(pattern):
            if part == "text":
                pieces.append(f"CAST(:n_part{i} AS TEXT)")
                binds.append(bindparam(f"n_part{i}", type_=Text()))
            elif part[0]:
                pieces.append(f"lpad({seq_text}, greatest({int(part[0])}, length({seq_text})), '0')")
            else:
                pieces.append(seq_text)
        exprs = [
            "number.last_seq"
            if name == "seq"
            else f"CAST({' || '.join(pieces)} AS {table.c.case_no.type.compile(dialect=sqltext._PG)})"
            if name == "case_no"
            else bound(table.c[name], f"c_{name}")
            for name in columns
        ]
        sql = (
            "WITH number AS (INSERT INTO case_counter (center_id, year, last_seq) VALUES ("
            f"{bound(counter.c.center_id, 'n_center_id')}, {bound(counter.c.year, 'n_year')}, 1) "
            "ON CONFLICT (center_id, year) DO UPDATE SET last_seq = case_counter.last_seq + 1 RETURNING last_seq) "
            f"INSERT INTO case_file ({', '.join(sqltext.quote(c) for c in columns)}) "
            f"SELECT {', '.join(exprs)} FROM number RETURNING case_file.seq, case_file.case_no"
        )
        return sqltext.statement(sql, binds)

    stmt = _STATEMENTS.get(("case", columns, pattern), build)
    row = (await session.execute(stmt, params)).one_or_none()
    if row is None:  # (the upsert always yields a row; kept as a guard)
        raise ValidationFailed.field("center_id", "受理中心不存在或已停用")
    return int(row[0]), str(row[1])


async def _insert_rest(
    session: AsyncSession,
    rows: list[tuple[type[SQLModel], Any]],
    events: list[tuple[Any, list[str]]],
) -> None:
    """Parties, claims, timeline entries, the hooks' rows (SMS notices), events and their deliveries
    in one statement of data-modifying CTEs, one single-row INSERT each; its SQL is built once per
    shape. A row is an object with its model's attributes."""
    key: list[Any] = []
    fragments: list[tuple[str, Callable[[], sqltext.Fragment]]] = []
    params: dict[str, Any] = {}
    for i, (model, obj) in enumerate(rows):
        values = _row(model, obj)
        table: Any = model.__table__
        prefix = f"r{i}_{table.name}"
        key.append((prefix, tuple(values)))
        fragments.append(
            (prefix, lambda t=table, v=tuple(values), p=prefix: sqltext.insert_values(t, v, p))  # type: ignore[misc]
        )
        params |= sqltext.params(values, prefix)
    shapes, built, values = outbox_sql_many(events)
    key.extend(shapes)
    params |= values

    def build() -> Any:
        ctes = [(name, make()) for name, make in fragments] + built
        sql = "WITH " + ", ".join(f"{name} AS ({f.sql})" for name, f in ctes) + " SELECT 1"
        return sqltext.statement(sql, [b for _, f in ctes for b in f.binds])

    await session.execute(_STATEMENTS.get(("rest", tuple(key)), build), params)
