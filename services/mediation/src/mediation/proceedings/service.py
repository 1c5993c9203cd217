"""Proceedings: opening with the statutory clock, the state machine, outcomes and their events.

Service functions are keyword-only and only ``flush()``; the request session (or the scheduler's
own transaction) commits. Every change writes a ``proceeding_change`` row (actor and time) and,
where other services care, an event through the outbox in the same transaction.

States: opened → assigned → accepted | declined → in_session → agreed | terminated | withdrawn |
expired. A status change is a conditional UPDATE on the status read, so two writers (a mediator
and the expiry loop, or two replicas) can never both move the same proceeding.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from onewindow_domain.calendar import HolidayCalendar, china_date, china_today, default_calendar
from onewindow_domain.claims import ClaimCategory
from onewindow_domain.clocks import ClockRule, ClockUnit, compute_due, get_rule
from onewindow_kit import sqltext
from onewindow_kit.auth import Principal
from onewindow_kit.db import utcnow
from onewindow_kit.errors import EditConflict, StateConflict, ValidationFailed
from onewindow_kit.events import publish
from onewindow_kit.events.outbox import outbox_sql_many, prepare_event
from onewindow_kit.pagination import decode_cursor, encode_cursor
from sqlalchemy import and_, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from mediation.actor import SYSTEM, Actor
from mediation.config import ComplexityRules, MediationSettings
from mediation.proceedings.exceptions import DeadlinePassed
from mediation.proceedings.models import (
    Extension,
    Proceeding,
    ProceedingAgent,
    ProceedingChange,
    ProceedingNote,
    ProceedingRespondent,
)
from mediation.registry.models import Mediator, Organisation
from mediation.subsidies import service as subsidies

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "opened": ("assigned", "declined", "withdrawn", "expired"),
    "assigned": ("accepted", "declined", "withdrawn", "expired"),
    "accepted": ("in_session", "terminated", "withdrawn", "expired"),
    "in_session": ("agreed", "terminated", "withdrawn", "expired"),
    "agreed": (),
    "terminated": (),
    "withdrawn": (),
    "expired": (),
    "declined": (),
}
OPEN_STATES = ("opened", "assigned", "accepted", "in_session")
# The states that occupy a mediator's capacity.
LOADED_STATES = ("assigned", "accepted", "in_session")
TERMINAL_STATES = ("agreed", "terminated", "withdrawn", "expired", "declined")
STATUS_ZH = {
    "opened": "已立案待分派",
    "assigned": "已分派",
    "accepted": "双方同意调解",
    "in_session": "调解中",
    "agreed": "调解成功",
    "terminated": "调解终结",
    "withdrawn": "已撤回",
    "expired": "期限届满",
    "declined": "当事人拒绝调解",
}
SOURCE_ZH = {
    "window": "窗口受理",
    "court_pre_filing": "法院诉前委派调解",
    "court_in_litigation": "法院诉中委托调解",
    "arbitration_pre_filing": "仲裁院暂缓立案先行调解",
}
PARTY_ZH = {"worker": "劳动者一方", "employer": "用人单位一方", "both": "双方当事人"}
TERMINATION_ZH = {
    "party_refused": "一方当事人拒绝继续调解",
    "no_agreement": "经调解未能达成协议",
    "false_information": "当事人提供虚假情况",
    "delay": "当事人无正当理由拖延",
    "other": "其他原因",
}


def lenient_calendar() -> HolidayCalendar:
    """Holiday notices come out each November: later years are counted as plain weeks and flagged."""
    return default_calendar().lenient()


# ---------------------------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------------------------


def source_of(external_ref: Mapping[str, Any] | None) -> str:
    """window | court_pre_filing | court_in_litigation | arbitration_pre_filing, from the case's partner reference."""
    if not external_ref:
        return "window"
    partner, kind = external_ref.get("partner"), external_ref.get("kind")
    if partner == "court":
        return "court_in_litigation" if kind == "in_litigation" else "court_pre_filing"
    if partner == "arbitration":
        return "arbitration_pre_filing"
    return "window"


def complexity_of(
    *, collective: bool, worker_count: int, risk_grade: str, total: Decimal, claim_count: int, rules: ComplexityRules
) -> str:
    """simple | standard | complex (fairness and the subsidy depend on it)."""
    if collective or worker_count >= rules.complex_workers or risk_grade == "red" or total >= rules.complex_amount:
        return "complex"
    if claim_count <= 1 and total < rules.simple_amount and risk_grade == "green":
        return "simple"
    return "standard"


@dataclass(frozen=True)
class Clock:
    rule: str
    deadline_on: date
    basis_zh: str
    unconfirmed_years: tuple[int, ...]
    partner_deadline: bool
    accept_by: date | None


def compute_clock(
    *,
    source: str,
    received_on: date,
    partner_deadline_on: date | None,
    partner_name: str | None,
    source_rules: Mapping[str, str],
) -> Clock:
    """The statutory due date of the source's rule from the day of receipt; a partner's deadline wins."""
    calendar = lenient_calendar()
    rule = get_rule(source_rules.get(source, "mediation_15d"))
    statutory = compute_due(rule, received_on, calendar=calendar)
    accept_by = None
    if source in ("court_pre_filing", "court_in_litigation"):
        accept_by = compute_due("court_referral_acceptance_3wd", received_on, calendar=calendar).due_on
    if partner_deadline_on is not None:
        who = partner_name or ("法院" if source.startswith("court") else "仲裁院")
        basis = (
            f"{who}指定的调解期限至{partner_deadline_on.isoformat()}，以委派方期限为准"
            f"（法定期限：{statutory.basis_zh}）"
        )
        return Clock(rule.code, partner_deadline_on, basis[:1000], statutory.unconfirmed_years, True, accept_by)
    return Clock(rule.code, statutory.due_on, statutory.basis_zh[:1000], statutory.unconfirmed_years, False, accept_by)


@dataclass(frozen=True)
class CaseRouted:
    """The parts of ``intake.case.routed`` a proceeding keeps (no personal data travels in events)."""

    case_id: str
    case_no: str
    center_id: str
    street: str | None
    external_ref: dict[str, Any] | None
    collective: bool
    worker_count: int
    risk_grade: str
    dispute_type: str
    deadline_on: date | None
    received_on: date
    claims: list[dict[str, Any]]
    respondents: list[dict[str, Any]]
    languages: list[str]


async def open_proceeding(*, session: AsyncSession, case: CaseRouted, settings: MediationSettings) -> Proceeding | None:
    """Open a proceeding for a case routed to mediation (None when one is already open for it)."""
    existing = (
        await session.execute(
            select(Proceeding.id).where(Proceeding.case_id == case.case_id, Proceeding.status.in_(OPEN_STATES)).limit(1)
        )
    ).scalar_one_or_none()
    if existing is not None:
        return None
    source = source_of(case.external_ref)
    ref = case.external_ref or {}
    clock = compute_clock(
        source=source,
        received_on=case.received_on,
        partner_deadline_on=case.deadline_on,
        partner_name=ref.get("partner_name"),
        source_rules=settings.source_rules,
    )
    total = sum((Decimal(str(c.get("amount") or 0)) for c in case.claims), Decimal("0"))
    proceeding = Proceeding(
        case_id=case.case_id,
        case_no=case.case_no,
        center_id=case.center_id,
        street=case.street,
        source=source,
        external_ref=case.external_ref,
        referral_id=str(ref["referral_id"]) if ref.get("referral_id") else None,
        collective=case.collective,
        worker_count=case.worker_count,
        risk_grade=case.risk_grade,
        dispute_type=case.dispute_type,
        complexity=complexity_of(
            collective=case.collective,
            worker_count=case.worker_count,
            risk_grade=case.risk_grade,
            total=total,
            claim_count=len(case.claims),
            rules=settings.complexity,
        ),
        claims=case.claims,
        respondents=case.respondents,
        languages=case.languages,
        total_claimed=total,
        received_on=case.received_on,
        clock_rule=clock.rule,
        deadline_on=clock.deadline_on,
        partner_deadline=clock.partner_deadline,
        deadline_basis_zh=clock.basis_zh,
        unconfirmed_years=list(clock.unconfirmed_years),
        accept_by=clock.accept_by,
    )
    session.add(proceeding)
    await session.flush()
    session.add_all(
        ProceedingRespondent(
            proceeding_id=proceeding.id,
            credit_code=r["credit_code"],
            name=r.get("name") or "",
            industry=r.get("industry"),
        )
        for r in case.respondents
        if r.get("credit_code")
    )
    record_change(
        session,
        proceeding,
        SYSTEM,
        action="opened",
        to_status="opened",
        detail={
            "source": source,
            "deadline_on": clock.deadline_on.isoformat(),
            "clock_rule": clock.rule,
            "unconfirmed_years": list(clock.unconfirmed_years),
        },
    )
    summary = f"{SOURCE_ZH[source]}，调解期限至{clock.deadline_on.isoformat()}"
    if clock.unconfirmed_years:
        summary += f"（{'、'.join(str(y) for y in clock.unconfirmed_years)}年节假日安排未公布，期限待复核）"
    await publish_proceeding_event(session, proceeding, "opened", summary)
    await session.flush()  # as publishing always did: the opening stands even if its assignment is rolled back
    return proceeding


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


async def mediator_brief(session: AsyncSession, mediator_id: str | None) -> dict[str, Any] | None:
    """``{id, name, organisation, user_subject, username}`` of a mediator, as events and partners
    show it (the sign-in, so intake can notify them of an assignment)."""
    if mediator_id is None:
        return None
    row = (
        await session.execute(
            select(Mediator.id, Mediator.name, Organisation.name, Mediator.user_subject, Mediator.username)
            .join(Organisation, Organisation.id == Mediator.organisation_id)
            .where(Mediator.id == mediator_id)
        )
    ).one_or_none()
    if row is None:
        return None
    return {"id": row[0], "name": row[1], "organisation": row[2], "user_subject": row[3], "username": row[4]}


def base_event_data(p: Proceeding, summary_zh: str) -> dict[str, Any]:
    """The fields every ``mediation.proceeding.*`` event carries (docs/decisions/0006)."""
    return {
        "case_id": p.case_id,
        "proceeding_id": p.id,
        "case_no": p.case_no,
        "source": p.source,
        "external_ref": p.external_ref,
        "deadline_on": p.deadline_on,
        "summary_zh": summary_zh,
    }


async def publish_proceeding_event(
    session: AsyncSession, p: Proceeding, verb: str, summary_zh: str, /, **extra: Any
) -> None:
    """``mediation.proceeding.<verb>`` in the current transaction."""
    await _publish(session, f"mediation.proceeding.{verb}", p.case_id, {**base_event_data(p, summary_zh), **extra})


async def publish_alert(
    session: AsyncSession, p: Proceeding, alert: str, reasons: Sequence[str], summary_zh: str
) -> None:
    """``mediation.alert.raised``: supervisors' dashboards (a parked case, a deadline at risk)."""
    data = {**base_event_data(p, summary_zh), "center_id": p.center_id, "alert": alert, "reasons": list(reasons)}
    await _publish(session, "mediation.alert.raised", p.case_id, data)


_PENDING = "mediation.pending_events"
_EVENTS = sqltext.StatementCache()
EVENTS_PER_STATEMENT = 50  # a reassignment's events go out in statements of this many


async def _publish(session: AsyncSession, type_: str, case_id: str | None, data: dict[str, Any]) -> None:
    pending: list[Any] | None = session.info.get(_PENDING)
    if pending is None:
        await publish(session, type=type_, case_id=case_id, data=data)
    else:  # checked and stamped now (request id, trace), written when ``events_at_end`` ends
        pending.append(prepare_event(session, type=type_, case_id=case_id, data=data, plain=True))


def events_mark(session: AsyncSession) -> int | None:
    """Where the events held by ``events_at_end`` stand (None outside it), for ``events_drop``."""
    pending: list[Any] | None = session.info.get(_PENDING)
    return None if pending is None else len(pending)


def events_drop(session: AsyncSession, mark: int | None) -> None:
    """Forget the events held since ``mark``: their savepoint was rolled back."""
    pending: list[Any] | None = session.info.get(_PENDING)
    if pending is not None and mark is not None:
        del pending[mark:]


@asynccontextmanager
async def events_at_end(session: AsyncSession) -> AsyncIterator[None]:
    """Hold the events published inside the block and write them, in the order published, when it
    ends without an error: on PostgreSQL one statement of data-modifying CTEs for up to
    ``EVENTS_PER_STATEMENT`` events instead of one statement each (decision 0034). A nested block
    leaves the writing to the outer one."""
    if _PENDING in session.info:
        yield
        return
    pending: list[Any] = session.info.setdefault(_PENDING, [])
    try:
        yield
    finally:
        session.info.pop(_PENDING, None)
    if session.get_bind().dialect.name != "postgresql" or len(pending) == 1:
        for event, _ in pending:
            await publish(session, type=event.type, case_id=event.case_id, data=event.data)
        return
    await session.flush()  # what the caller has pending first, as ``publish`` does
    for start in range(0, len(pending), EVENTS_PER_STATEMENT):
        await _write_events(session, pending[start : start + EVENTS_PER_STATEMENT])


async def _write_events(session: AsyncSession, events: Sequence[Any]) -> None:
    key, built, params = outbox_sql_many(events)

    def build() -> Any:
        # The main query reads each event's RETURNING in turn, so they are inserted (and numbered) in order.
        reads = " UNION ALL ".join(f"SELECT {i} AS n, seq FROM event{i}" for i in range(len(events)))
        sql = "WITH " + ", ".join(f"{name} AS ({f.sql})" for name, f in built) + " " + reads
        return sqltext.statement(sql, [b for _, f in built for b in f.binds])

    for n, seq in (await session.execute(_EVENTS.get(tuple(key), build), params)).all():
        events[n][0].seq = seq


# ---------------------------------------------------------------------------------------------
# Changes
# ---------------------------------------------------------------------------------------------


def record_change(
    session: AsyncSession,
    p: Proceeding,
    actor: Actor,
    *,
    action: str,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        ProceedingChange(
            proceeding_id=p.id,
            actor_subject=actor.subject,
            actor_name=actor.name,
            action=action,
            from_status=from_status,
            to_status=to_status,
            detail=detail or {},
        )
    )


def bump(p: Proceeding) -> None:
    p.version += 1
    p.updated_at = utcnow()


def check_transition(p: Proceeding, to: str) -> None:
    allowed = TRANSITIONS.get(p.status, ())
    if to not in allowed:
        raise StateConflict(
            f"a proceeding that is {p.status} cannot become {to}; allowed: {', '.join(allowed) or 'none'}",
            extra={
                "current_status": p.status,
                "allowed": list(allowed),
                "detail_zh": f"当前状态“{STATUS_ZH[p.status]}”不能变更为“{STATUS_ZH.get(to, to)}”",
            },
        )


async def move(
    *,
    session: AsyncSession,
    proceeding: Proceeding,
    to: str,
    actor: Actor,
    action: str | None = None,
    detail: dict[str, Any] | None = None,
    guard: Sequence[Any] = (),
    values: Mapping[str, Any] | None = None,
) -> None:
    """Change the status, conditionally on the status read (409 if someone else moved it first);
    ``guard``: further conditions the row must still meet (the expiry checks the deadline again);
    ``values``: other columns written by the same UPDATE (one round trip instead of a flush more)."""
    check_transition(proceeding, to)
    now = utcnow()
    frm = proceeding.status
    more = dict(values or {})
    result = await session.execute(
        update(Proceeding)
        .where(Proceeding.id == proceeding.id, Proceeding.status == frm, *guard)
        .values(status=to, version=Proceeding.version + 1, updated_at=now, **more)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise EditConflict("the proceeding changed meanwhile; reload it", extra={"current_status": frm})
    for key, value in more.items():
        set_committed_value(proceeding, key, value)
    set_committed_value(proceeding, "status", to)
    set_committed_value(proceeding, "version", proceeding.version + 1)
    set_committed_value(proceeding, "updated_at", now)
    if frm in LOADED_STATES and to not in LOADED_STATES and proceeding.mediator_id:
        await release_capacity(session=session, mediator_id=proceeding.mediator_id)
    record_change(session, proceeding, actor, action=action or to, from_status=frm, to_status=to, detail=detail)


async def take_capacity(*, session: AsyncSession, mediator_id: str, force: bool = False) -> bool:
    """One more open proceeding for the mediator, only while below capacity (unless ``force``: an
    override). The conditional UPDATE locks the row, so concurrent openings cannot overfill."""
    stmt = update(Mediator).where(Mediator.id == mediator_id)
    if not force:
        stmt = stmt.where(Mediator.open_count < Mediator.capacity, Mediator.active.is_(True))
    result = await session.execute(
        stmt.values(open_count=Mediator.open_count + 1).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def release_capacity(*, session: AsyncSession, mediator_id: str, count: int = 1) -> None:
    """``count`` fewer open proceedings for the mediator (never below zero)."""
    await session.execute(
        update(Mediator)
        .where(Mediator.id == mediator_id, Mediator.open_count > 0)
        .values(open_count=sql_case((Mediator.open_count > count, Mediator.open_count - count), else_=0))
        .execution_options(synchronize_session=False)
    )


async def close(
    *,
    session: AsyncSession,
    proceeding: Proceeding,
    to: str,
    actor: Actor,
    settings: MediationSettings,
    reason: str | None,
    reason_code: str | None = None,
    undisputed_facts: str | None = None,
    dispute_focus: str | None = None,
    extra_event: dict[str, Any] | None = None,
    summary_zh: str | None = None,
    guard: Sequence[Any] = (),
) -> None:
    """End the proceeding with an outcome: status, outcome fields, subsidy entry, event."""
    await move(
        session=session,
        proceeding=proceeding,
        to=to,
        actor=actor,
        detail={"reason_code": reason_code, "reason": reason},
        guard=guard,
    )
    proceeding.close_reason = reason
    proceeding.close_reason_code = reason_code
    proceeding.undisputed_facts = undisputed_facts
    proceeding.dispute_focus = dispute_focus
    proceeding.closed_at = utcnow()
    proceeding.parked_reason = None
    proceeding.parked_at = None
    await subsidies.record_entry(session=session, proceeding=proceeding, outcome=to, table=settings.subsidies)
    data: dict[str, Any] = dict(extra_event or {})
    if to != "agreed":
        data.update(reason=reason, undisputed_facts=undisputed_facts, dispute_focus=dispute_focus)
    data["mediator"] = await mediator_brief(session, proceeding.mediator_id)
    await publish_proceeding_event(session, proceeding, to, summary_zh or (reason or STATUS_ZH[to]), **data)
    await session.flush()


# ---------------------------------------------------------------------------------------------
# What mediators and supervisors do
# ---------------------------------------------------------------------------------------------


async def accept(*, session: AsyncSession, proceeding: Proceeding, actor: Actor, note: str | None) -> Proceeding:
    """Both parties agreed to mediate (mediation is voluntary: 人民调解法 17)."""
    await move(session=session, proceeding=proceeding, to="accepted", actor=actor, detail={"note": note})
    mediator = await mediator_brief(session, proceeding.mediator_id)
    await publish_proceeding_event(
        session,
        proceeding,
        "accepted",
        "双方当事人同意调解" + (f"，承办调解员{mediator['name']}" if mediator else ""),
        mediator=mediator,
    )
    await session.flush()
    return proceeding


async def decline(
    *, session: AsyncSession, proceeding: Proceeding, actor: Actor, party: str, reason: str, settings: MediationSettings
) -> Proceeding:
    """A party refused mediation: the proceeding ends (the case goes back to the window)."""
    text = f"{PARTY_ZH[party]}拒绝调解：{reason}"
    await close(
        session=session,
        proceeding=proceeding,
        to="declined",
        actor=actor,
        settings=settings,
        reason=text,
        reason_code=f"refused_by_{party}",
        summary_zh=text,
    )
    return proceeding


async def withdraw(
    *,
    session: AsyncSession,
    proceeding: Proceeding,
    actor: Actor,
    reason: str,
    settings: MediationSettings,
    reason_code: str = "applicant_withdrew",
) -> Proceeding:
    """The application was withdrawn (by the applicant, or the referring partner)."""
    await close(
        session=session,
        proceeding=proceeding,
        to="withdrawn",
        actor=actor,
        settings=settings,
        reason=reason,
        reason_code=reason_code,
        summary_zh=f"调解申请撤回：{reason}",
    )
    return proceeding


async def terminate(
    *,
    session: AsyncSession,
    proceeding: Proceeding,
    actor: Actor,
    settings: MediationSettings,
    reason_code: str,
    reason: str,
    undisputed_facts: str,
    dispute_focus: str,
) -> Proceeding:
    """Mediation ended without agreement: reason, 无争议事实 and 争议焦点 carry into arbitration or court."""
    text = f"{TERMINATION_ZH.get(reason_code, '调解终结')}：{reason}"
    await close(
        session=session,
        proceeding=proceeding,
        to="terminated",
        actor=actor,
        settings=settings,
        reason=text,
        reason_code=reason_code,
        undisputed_facts=undisputed_facts,
        dispute_focus=dispute_focus,
        summary_zh=f"调解终结（{TERMINATION_ZH.get(reason_code, '其他原因')}），已告知当事人可依法申请仲裁",
    )
    return proceeding


async def expire(*, session: AsyncSession, proceeding: Proceeding, settings: MediationSettings, today: date) -> None:
    """The clock ran out without agreement or extension (the scheduler calls this)."""
    reason = f"调解期限已于{proceeding.deadline_on.isoformat()}届满，未达成调解协议，双方未同意延长"
    await close(
        session=session,
        proceeding=proceeding,
        to="expired",
        actor=SYSTEM,
        settings=settings,
        reason=reason,
        reason_code="deadline_passed",
        undisputed_facts=proceeding.undisputed_facts,
        dispute_focus=proceeding.dispute_focus,
        guard=[Proceeding.deadline_on < today],
        summary_zh=f"调解期限（{proceeding.deadline_on.isoformat()}）届满未达成协议，当事人可依法申请仲裁",
    )


async def extend(
    *,
    session: AsyncSession,
    proceeding: Proceeding,
    actor: Actor,
    days: int,
    reason: str,
    consents: dict[str, Any],
    today: date,
) -> Extension:
    """Extend the clock with both parties' recorded consent (LDMAL 14; 特邀 27)."""
    if proceeding.status not in OPEN_STATES:
        raise StateConflict(
            "only an open proceeding can be extended",
            extra={"current_status": proceeding.status, "allowed": [], "detail_zh": "程序已结束，不能延长"},
        )
    if today > proceeding.deadline_on:
        raise DeadlinePassed(
            f"the deadline {proceeding.deadline_on} has passed; it can no longer be extended",
            extra={"detail_zh": f"调解期限已于{proceeding.deadline_on.isoformat()}届满，不能再延长"},
        )
    for party in ("worker", "employer"):
        consent = consents.get(party)
        if not consent:
            raise ValidationFailed.field(f"consents.{party}", "延长调解期限须经双方当事人同意，请记录该方的同意")
    rule = ClockRule(
        code="mediation_extension",
        amount=days,
        unit=ClockUnit.CALENDAR_DAYS,
        legal_source="劳动争议调解仲裁法 第14条",
        description_zh="经双方当事人同意延长调解期限",
        note_zh="",
    )
    due = compute_due(rule, proceeding.deadline_on, calendar=lenient_calendar())
    ext = Extension(
        proceeding_id=proceeding.id,
        days=days,
        previous_deadline_on=proceeding.deadline_on,
        new_deadline_on=due.due_on,
        reason=reason,
        consents=consents,
        recorded_by=actor.subject,
    )
    session.add(ext)
    record_change(
        session,
        proceeding,
        actor,
        action="extended",
        detail={
            "days": days,
            "from": proceeding.deadline_on.isoformat(),
            "to": due.due_on.isoformat(),
            "reason": reason,
        },
    )
    proceeding.deadline_on = due.due_on
    proceeding.extended_days += days
    proceeding.deadline_basis_zh = (f"经双方当事人同意延长{days}日：{due.basis_zh}")[:1000]
    proceeding.unconfirmed_years = sorted(set(proceeding.unconfirmed_years) | set(due.unconfirmed_years))
    proceeding.deadline_at_risk = False
    bump(proceeding)
    await session.flush()
    return ext


async def add_note(*, session: AsyncSession, proceeding: Proceeding, actor: Actor, text: str) -> ProceedingNote:
    """A working note of the mediator (confidential: SZ-ADR 24; never in events)."""
    note = ProceedingNote(proceeding_id=proceeding.id, text=text, author_subject=actor.subject, author_name=actor.name)
    session.add(note)
    record_change(session, proceeding, actor, action="note_added")
    await session.flush()
    return note


async def list_notes(*, session: AsyncSession, proceeding: Proceeding) -> Sequence[ProceedingNote]:
    return (
        (
            await session.execute(
                select(ProceedingNote).where(ProceedingNote.proceeding_id == proceeding.id).order_by(ProceedingNote.id)
            )
        )
        .scalars()
        .all()
    )


async def history(*, session: AsyncSession, proceeding: Proceeding) -> Sequence[ProceedingChange]:
    """Every change of the proceeding, oldest first."""
    return (
        (
            await session.execute(
                select(ProceedingChange)
                .where(ProceedingChange.proceeding_id == proceeding.id)
                .order_by(ProceedingChange.id)
            )
        )
        .scalars()
        .all()
    )


async def set_panel(
    *, session: AsyncSession, proceeding: Proceeding, actor: Actor, members: list[dict[str, Any]]
) -> Proceeding:
    """A tripartite panel (人社 + 工会 + 企业代表) for a collective dispute."""
    if not proceeding.collective:
        raise StateConflict("a panel is for collective disputes", extra={"detail_zh": "仅集体争议可组成三方调解小组"})
    if proceeding.status not in OPEN_STATES:
        raise StateConflict("the proceeding has ended", extra={"current_status": proceeding.status, "allowed": []})
    for i, member in enumerate(members):
        if member.get("mediator_id"):
            m = await session.get(Mediator, member["mediator_id"])
            if m is None:
                raise ValidationFailed.field(f"members[{i}].mediator_id", "调解员不存在")
            member["name"] = member.get("name") or m.name
    proceeding.panel = members
    record_change(session, proceeding, actor, action="panel_set", detail={"members": members})
    bump(proceeding)
    # Intake lets the panel's registered mediators read the case file (their sign-ins travel, as
    # with an assignment; docs/decisions/0022).
    ids = [m["mediator_id"] for m in members if m.get("mediator_id")]
    logins = {
        row[0]: row
        for row in (
            await session.execute(
                select(Mediator.id, Mediator.user_subject, Mediator.username).where(Mediator.id.in_(ids))
            )
        ).all()
    }
    await publish_proceeding_event(
        session,
        proceeding,
        "panel_set",
        f"组成三方调解小组（{len(members)}人）",
        members=[
            {"mediator_id": i, "user_subject": logins[i][1], "username": logins[i][2]} for i in ids if i in logins
        ],
    )
    await session.flush()
    return proceeding


async def record_agent(
    *, session: AsyncSession, proceeding: Proceeding, actor: Actor, mediator_id: str, side: str
) -> ProceedingAgent:
    """A registered mediator acted as a party's agent here: later cases against the same employer conflict."""
    if await session.get(Mediator, mediator_id) is None:
        raise ValidationFailed.field("mediator_id", "调解员不存在")
    agent = ProceedingAgent(proceeding_id=proceeding.id, mediator_id=mediator_id, side=side, recorded_by=actor.subject)
    session.add(agent)
    record_change(
        session, proceeding, actor, action="agent_recorded", detail={"mediator_id": mediator_id, "side": side}
    )
    await session.flush()
    return agent


def days_left(p: Proceeding, today: date | None = None) -> int:
    return (p.deadline_on - (today or china_today())).days


def claim_labels(p: Proceeding) -> list[str]:
    out = []
    for c in p.claims:
        try:
            out.append(ClaimCategory(c.get("category")).label_zh)
        except ValueError:
            out.append(str(c.get("category")))
    return out


def received_on_of(data: Mapping[str, Any], occurred: Any) -> date:
    raw = data.get("received_on")
    if raw:
        return date.fromisoformat(str(raw))
    return china_date(occurred)


def at_risk(p: Proceeding, *, today: date, risk_days: int) -> bool:
    return p.status in OPEN_STATES and (p.deadline_on - today) <= timedelta(days=risk_days)


async def list_proceedings(
    *,
    session: AsyncSession,
    principal: Principal,
    status: str | None = None,
    open_only: bool = False,
    parked: bool | None = None,
    at_risk: bool | None = None,
    mediator_id: str | None = None,
    case_id: str | None = None,
    center_id: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
    sort: str = "newest",
) -> tuple[list[Proceeding], str | None]:
    """The proceedings ``principal`` may see, newest first (or, with ``sort="deadline"``, nearest
    deadline first): a mediator their own, supervisors and clerks their centre's, admins all; one
    keyset page and the cursor of the next (or None)."""
    # At call time: registry's service imports assignment, which imports this module (the
    # registry -> assignment edge is the cycle still listed in tests/test_boundaries.py).
    from mediation.registry.service import mediator_for_principal

    stmt = select(Proceeding)
    if principal.has_any_role("admin", "service"):
        if center_id:
            stmt = stmt.where(col(Proceeding.center_id) == center_id)
    elif principal.has_any_role("supervisor", "clerk"):
        stmt = stmt.where(col(Proceeding.center_id) == principal.center_id)
    else:
        me = await mediator_for_principal(session=session, principal=principal)
        stmt = stmt.where(col(Proceeding.mediator_id) == (me.id if me else "-"))
    if status:
        stmt = stmt.where(col(Proceeding.status) == status)
    if open_only:
        stmt = stmt.where(col(Proceeding.status).in_(OPEN_STATES))
    if parked is not None:
        stmt = stmt.where(col(Proceeding.parked_at).is_not(None) if parked else col(Proceeding.parked_at).is_(None))
    if at_risk is not None:
        stmt = stmt.where(col(Proceeding.deadline_at_risk).is_(at_risk))
    if mediator_id:
        stmt = stmt.where(col(Proceeding.mediator_id) == mediator_id)
    if case_id:
        stmt = stmt.where(col(Proceeding.case_id) == case_id)
    if sort == "deadline":
        # The mediator's order (issue 18: it was sorted in the browser, one page at a time).
        if cursor:
            at, pid = decode_cursor(cursor)
            due = at.date()
            stmt = stmt.where(
                or_(
                    col(Proceeding.deadline_on) > due,
                    and_(col(Proceeding.deadline_on) == due, col(Proceeding.id) > pid),
                )
            )
        stmt = stmt.order_by(col(Proceeding.deadline_on), col(Proceeding.id))
    else:
        if cursor:
            at, pid = decode_cursor(cursor)
            stmt = stmt.where(
                or_(col(Proceeding.opened_at) < at, and_(col(Proceeding.opened_at) == at, col(Proceeding.id) < pid))
            )
        stmt = stmt.order_by(col(Proceeding.opened_at).desc(), col(Proceeding.id).desc())
    rows = list((await session.execute(stmt.limit(limit + 1))).scalars())
    page = rows[:limit]
    if len(rows) <= limit:
        return page, None
    last = page[-1]
    if sort == "deadline":
        return page, encode_cursor(datetime.combine(last.deadline_on, time.min, tzinfo=UTC), last.id)
    return page, encode_cursor(last.opened_at, last.id)


async def list_extensions(*, session: AsyncSession, proceeding: Proceeding) -> Sequence[Extension]:
    """The extensions granted to ``proceeding``, oldest first."""
    stmt = select(Extension).where(col(Extension.proceeding_id) == proceeding.id).order_by(col(Extension.id))
    return (await session.execute(stmt)).scalars().all()
