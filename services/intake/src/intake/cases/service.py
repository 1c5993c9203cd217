"""Case service functions: keyword-only, one-line docstrings, ``flush()`` only (the session
dependency commits). Personal data is encrypted here and never leaves in events or logs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from onewindow_domain import clock
from onewindow_domain.calendar import CHINA_TZ, china_date, china_today
from onewindow_domain.claims import ClaimCategory
from onewindow_domain.identifiers import mask_id_number, mask_mobile, validate_id_number
from onewindow_kit.auth import Principal
from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import utcnow
from onewindow_kit.errors import (
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    StateConflict,
    ValidationFailed,
)
from onewindow_kit.events import EventEnvelope, publish
from onewindow_kit.pagination import decode_cursor, encode_cursor
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from intake.cases.models import CaseClaim, CaseCounter, CaseFile, CaseParty, PiiAccess, TimelineEntry, new_id
from intake.cases.schemas import CaseCreate, CaseStatus, CloseReason, Route
from intake.centers.models import Center
from intake.triage.schemas import LinkedCase, TriageConfig, TriageResult
from intake.triage.service import Claim, EmployerHistory, Form, triage

# Which state may follow which (DOMAIN.md §1, §6). Anything else is a 409 naming the allowed ones.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "registered": ("routed", "closed"),
    "routed": (
        "in_mediation",
        "referred_to_inspection",
        "legal_aid",
        "transferred_to_arbitration",
        "referred_to_court",
        "closed",
    ),
    "in_mediation": ("resolved", "transferred_to_arbitration", "referred_to_court", "routed", "closed"),
    "transferred_to_arbitration": ("resolved", "closed"),
    "referred_to_court": ("resolved", "closed"),
    "referred_to_inspection": ("routed", "resolved", "closed"),
    "legal_aid": ("routed", "resolved", "closed"),
    "resolved": ("closed", "transferred_to_arbitration", "referred_to_court"),
    "closed": (),
}
# The state a confirmed route puts the case in.
ROUTE_STATUS = {
    "mediation": "routed",
    "inspection": "referred_to_inspection",
    "legal_aid": "legal_aid",
    "arbitration": "routed",
    "petition": "routed",
    "negotiation": "routed",
}
STATUS_ZH = {
    "registered": "已登记",
    "routed": "已分流",
    "in_mediation": "调解中",
    "transferred_to_arbitration": "已转仲裁",
    "referred_to_court": "已转法院",
    "referred_to_inspection": "已移送劳动监察",
    "legal_aid": "法律援助",
    "resolved": "已化解",
    "closed": "已结案",
}
OPEN_STATUSES = tuple(s for s in TRANSITIONS if s not in ("resolved", "closed"))


# ---------------------------------------------------------------------------------------------
# Triage input from the database
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------------


async def next_case_number(*, session: AsyncSession, center: Center, year: int) -> tuple[int, str]:
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
) -> CaseFile:
    """Register a dispute once: parties, claims, triage, a gap-free number, events, timeline."""
    center = await session.get(Center, center_id)
    if center is None or not center.active:
        raise ValidationFailed.field("center_id", "受理中心不存在或已停用")
    now = clock.now()
    today = china_date(now)
    credit_codes = [r.credit_code for r in data.respondents]
    history = await employer_history(
        session=session, center_id=center_id, credit_codes=credit_codes, config=config, today=today
    )
    result = triage(form=triage_form(data), history=history, config=config, today=today)

    route_choice = data.route
    if route_choice and route_choice.route.value != result.route.route and not route_choice.reason:
        raise ValidationFailed.field("route.reason", "改变建议分流去向时须填写理由")

    case = CaseFile(
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
            CaseParty(
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
                address=a.address,
                occupation=a.occupation,
                monthly_wage=a.monthly_wage,
                migrant_worker=a.migrant_worker,
                platform_worker=a.platform_worker,
            )
        )
    for i, r in enumerate(data.respondents):
        parties.append(
            CaseParty(
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
            )
        )
    for i, g in enumerate(data.agents):
        parties.append(
            CaseParty(
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
            )
        )
    final = {f.claim_index: f.is_final for f in result.final_award}
    claims = [
        CaseClaim(
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
        summary=f"窗口登记受理，编号{case.case_no}；风险等级{result.grade_label}；建议分流：{result.route.route_label}",
    )
    await publish(session, type="intake.case.registered", case_id=case.id, data=_case_event(case))
    if result.grade == "red":
        await publish(
            session,
            type="intake.alert.raised",
            case_id=case.id,
            data={**_case_event(case), "alert": "red_grade", "reasons": [r.code for r in result.reasons]},
        )
        _timeline(
            session,
            case,
            kind="alert.raised",
            actor=principal,
            summary="红色预警：" + "；".join(r.text for r in result.reasons),
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
    await session.flush()
    return case


def _case_event(case: CaseFile) -> dict[str, Any]:
    """What other services may know of a case without asking: no names, no ID or phone numbers."""
    return {
        "case_id": case.id,
        "case_no": case.case_no,
        "center_id": case.center_id,
        "channel": case.channel,
        "status": case.status,
        "risk_grade": case.risk_grade,
        "collective": case.collective,
        "worker_count": case.worker_count,
        "dispute_type": case.dispute_type,
        "street": case.street,
        "external_ref": case.external_ref,
    }


def _timeline(
    session: AsyncSession,
    case: CaseFile,
    *,
    kind: str,
    summary: str,
    actor: Principal | None = None,
    source: str = "intake",
    data: dict[str, Any] | None = None,
    event_id: str | None = None,
    at: datetime | None = None,
) -> None:
    session.add(
        TimelineEntry(
            case_id=case.id,
            at=at or utcnow(),
            source=source,
            kind=kind,
            summary=summary[:500],
            data=data or {},
            actor=(actor.name or actor.subject) if actor else None,
            event_id=event_id,
        )
    )


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def can_see(principal: Principal, case: CaseFile) -> bool:
    if principal.has_any_role("admin", "service"):
        return True
    return principal.has_any_role("clerk", "supervisor") and principal.center_id == case.center_id


async def get_case(*, session: AsyncSession, principal: Principal, case_id: str) -> CaseFile:
    """The case, if ``principal`` may see it (404 otherwise: another centre's case does not exist for you)."""
    case = await session.get(CaseFile, case_id)
    if case is None or not can_see(principal, case):
        raise NotFound(f"case {case_id} does not exist")
    return case


async def case_parts(*, session: AsyncSession, case_id: str) -> tuple[list[CaseParty], list[CaseClaim]]:
    parties = (
        (
            await session.execute(
                select(CaseParty).where(CaseParty.case_id == case_id).order_by(CaseParty.role, CaseParty.position)
            )
        )
        .scalars()
        .all()
    )
    claims = (
        (await session.execute(select(CaseClaim).where(CaseClaim.case_id == case_id).order_by(CaseClaim.position)))
        .scalars()
        .all()
    )
    return list(parties), list(claims)


async def reveal_pii(
    *, session: AsyncSession, principal: Principal, case: CaseFile, cipher: FieldCipher, purpose: str
) -> list[dict[str, Any]]:
    """Full ID and phone numbers of the case's parties; the read is recorded."""
    parties, _ = await case_parts(session=session, case_id=case.id)
    session.add(
        PiiAccess(
            case_id=case.id,
            actor=principal.subject,
            actor_roles=",".join(sorted(principal.roles)),
            fields="id_number,phone",
            purpose=purpose[:100],
        )
    )
    return [
        {
            "party_id": p.id,
            "role": p.role,
            "position": p.position,
            "name": p.name,
            "id_number": cipher.decrypt(p.id_number_enc, context="id_number") if p.id_number_enc else None,
            "phone": cipher.decrypt(p.phone_enc, context="phone") if p.phone_enc else None,
        }
        for p in parties
    ]


async def timeline(*, session: AsyncSession, case: CaseFile) -> Sequence[TimelineEntry]:
    """Every change and every event of the case, oldest first."""
    return (
        (
            await session.execute(
                select(TimelineEntry)
                .where(TimelineEntry.case_id == case.id)
                .order_by(TimelineEntry.at, TimelineEntry.id)
            )
        )
        .scalars()
        .all()
    )


# ---------------------------------------------------------------------------------------------
# Changes
# ---------------------------------------------------------------------------------------------


def check_version(case: CaseFile, if_match: str | None) -> None:
    """Optimistic concurrency: 428 without ``If-Match``, 412 when the case changed meanwhile."""
    if not if_match:
        raise PreconditionRequired("send If-Match with the case's ETag to change it")
    if if_match.strip().strip('"').removeprefix('W/"').strip('"') != str(case.version):
        raise PreconditionFailed(
            f"the case changed since you read it (now version {case.version}); reload and try again",
            extra={"current_version": case.version},
        )


def _bump(case: CaseFile) -> None:
    case.version += 1
    case.updated_at = utcnow()


def _move(case: CaseFile, to: str) -> None:
    allowed = TRANSITIONS.get(case.status, ())
    if to not in allowed:
        raise StateConflict(
            f"a case that is {case.status} cannot become {to}",
            extra={"current_status": case.status, "allowed": list(allowed)},
        )
    case.status = to


async def _apply_route(
    *, session: AsyncSession, case: CaseFile, principal: Principal, route: Route, reason: str | None, suggested: str
) -> None:
    _move(case, ROUTE_STATUS[route.value])
    case.route = route.value
    case.route_override_reason = reason if route.value != suggested else None
    case.routed_at = utcnow()
    label = {
        "mediation": "联合调解",
        "inspection": "劳动监察",
        "legal_aid": "法律援助",
        "arbitration": "仲裁",
        "petition": "信访",
        "negotiation": "三方协调",
    }[route.value]
    text = f"确认分流：{label}" if route.value == suggested else f"改变建议分流为：{label}（理由：{reason}）"
    _timeline(
        session,
        case,
        kind="case.routed",
        actor=principal,
        summary=text,
        data={"route": route.value, "suggested": suggested, "override_reason": case.route_override_reason},
    )
    claims = (
        (await session.execute(select(CaseClaim).where(CaseClaim.case_id == case.id).order_by(CaseClaim.position)))
        .scalars()
        .all()
    )
    respondents = (
        (
            await session.execute(
                select(CaseParty)
                .where(CaseParty.case_id == case.id, CaseParty.role == "respondent")
                .order_by(CaseParty.position)
            )
        )
        .scalars()
        .all()
    )
    await publish(
        session,
        type="intake.case.routed",
        case_id=case.id,
        data={
            **_case_event(case),
            "route": route.value,
            "suggested_route": suggested,
            "override_reason": case.route_override_reason,
            "deadline_on": case.deadline_on,
            "received_on": china_date(case.registered_at),
            "knew_on": case.knew_on,
            "claims": [{"category": c.category, "amount": c.amount, "final_award": c.final_award} for c in claims],
            "respondents": [
                {"name": r.name, "credit_code": r.credit_code, "role": r.employer_role, "industry": r.industry}
                for r in respondents
            ],
        },
    )


async def route_case(
    *, session: AsyncSession, principal: Principal, case: CaseFile, route: Route, reason: str | None
) -> CaseFile:
    """Confirm the suggested route, or override it with a reason (recorded)."""
    if route.value != case.suggested_route and not reason:
        raise ValidationFailed.field("reason", "改变建议分流去向时须填写理由")
    await _apply_route(
        session=session, case=case, principal=principal, route=route, reason=reason, suggested=case.suggested_route
    )
    _bump(case)
    await session.flush()
    return case


async def transition_case(
    *,
    session: AsyncSession,
    principal: Principal,
    case: CaseFile,
    status: CaseStatus,
    reason: str | None,
    close_reason: CloseReason | None,
) -> CaseFile:
    """Move the case along its lifecycle (409 with the allowed states when the move is illegal)."""
    if status is CaseStatus.closed and close_reason is None:
        raise ValidationFailed.field("close_reason", "结案须选择结案原因")
    _move(case, status.value)
    text = f"状态变更为：{STATUS_ZH[status.value]}" + (f"（{reason}）" if reason else "")
    if status is CaseStatus.closed:
        case.closed_at = utcnow()
        case.close_reason = close_reason.value if close_reason else None
        await publish(
            session,
            type="intake.case.closed",
            case_id=case.id,
            data={**_case_event(case), "close_reason": case.close_reason},
        )
    _timeline(
        session,
        case,
        kind=f"case.{status.value}",
        actor=principal,
        summary=text,
        data={"status": status.value, "reason": reason, "close_reason": case.close_reason},
    )
    _bump(case)
    await session.flush()
    return case


# ---------------------------------------------------------------------------------------------
# Events from the other services: the timeline and the status follow them
# ---------------------------------------------------------------------------------------------

EVENT_SUMMARY = {
    "mediation.proceeding.opened": ("调解程序已立案", "in_mediation"),
    "mediation.proceeding.assigned": ("已分派调解员", None),
    "mediation.proceeding.accepted": ("双方同意调解", None),
    "mediation.proceeding.declined": ("当事人拒绝调解（调解自愿）", "routed"),
    "mediation.proceeding.session_scheduled": ("已安排调解", None),
    "mediation.proceeding.agreed": ("调解成功，达成调解协议", "resolved"),
    "mediation.proceeding.terminated": ("调解终结，未达成协议", None),
    "mediation.proceeding.withdrawn": ("申请人撤回调解申请", None),
    "mediation.proceeding.expired": ("调解期限届满未达成协议", None),
    "mediation.agreement.payment_overdue": ("调解协议约定的款项逾期未付", None),
    "mediation.agreement.fulfilled": ("调解协议已履行完毕", None),
    "mediation.alert.raised": ("调解预警", None),
    "mediation.session.reminded": ("已提醒调解安排", None),
    "court.referral.received": ("收到法院委派调解", None),
    "court.referral.accepted": ("已接受法院委派调解", None),
    "court.referral.declined": ("不予接受法院委派调解", None),
    "court.referral.withdrawn": ("法院撤回委派调解", None),
    "court.confirmation.requested": ("已向法院申请司法确认", None),
    "court.confirmation.ruled": ("法院作出司法确认裁定", None),
    "arbitration.referral.received": ("收到仲裁院先行调解委派", None),
    "arbitration.referral.accepted": ("已接受仲裁院先行调解委派", None),
    "arbitration.referral.declined": ("不予接受仲裁院先行调解委派", None),
    "arbitration.referral.withdrawn": ("仲裁院撤回先行调解委派", None),
    "arbitration.transfer.overdue": ("仲裁院逾期未作出是否受理的决定（5日）", None),
    "arbitration.transfer.requested": ("已向仲裁院移送案件", None),
    "arbitration.transfer.accepted": ("仲裁院已受理移送案件", "transferred_to_arbitration"),
    "arbitration.transfer.rejected": ("仲裁院不予受理移送案件", None),
    "arbitration.review.requested": ("已申请仲裁审查确认", None),
    "arbitration.review.decided": ("仲裁院作出审查确认决定", None),
}


async def apply_partner_event(session: AsyncSession, event: EventEnvelope) -> None:
    """Record another service's event on the case's timeline and follow it with the status."""
    if not event.case_id:
        return
    case = await session.get(CaseFile, event.case_id)
    if case is None:
        return  # not a case of ours (yet): nothing to attach it to
    summary, status = EVENT_SUMMARY.get(event.type, (event.type, None))
    detail = event.data.get("summary_zh")
    deadline = event.data.get("deadline_on")
    if event.type == "mediation.proceeding.opened" and deadline and case.deadline_on is None:
        # Window cases get their deadline from the proceeding's statutory clock (LDMAL 14).
        case.deadline_on = date.fromisoformat(deadline)
    if status and status != case.status and status in TRANSITIONS.get(case.status, ()):
        case.status = status
        _bump(case)
        if status == "resolved" and event.data.get("recovered_amount") is not None:
            case.recovered = Decimal(str(event.data["recovered_amount"]))
    _timeline(
        session,
        case,
        kind=event.type,
        source=event.source,
        summary=summary + (f"：{detail}" if detail else ""),
        data=event.data,
        event_id=str(event.id),
        at=event.occurred_at,
        actor=None,
    )
    await session.flush()


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------


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
            CaseFile.deadline_on.is_not(None), CaseFile.deadline_on < china_today(), CaseFile.status.in_(OPEN_STATUSES)
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


# ---------------------------------------------------------------------------------------------
# Statistics (DOMAIN.md §7)
# ---------------------------------------------------------------------------------------------


async def statistics(*, session: AsyncSession, center_id: str | None, since: date, until: date) -> dict[str, Any]:
    """Counts and amounts a centre reports for a period (registration date in China)."""
    start = datetime.combine(since, datetime.min.time(), CHINA_TZ)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), CHINA_TZ)
    where = [CaseFile.registered_at >= start, CaseFile.registered_at < end]
    if center_id:
        where.append(CaseFile.center_id == center_id)

    async def by(column: Any) -> dict[str, int]:
        rows = (await session.execute(select(column, func.count()).where(*where).group_by(column))).all()
        return {str(k) if k is not None else "unrouted": n for k, n in rows}

    totals = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(CaseFile.total_claimed), 0),
                func.coalesce(func.sum(CaseFile.recovered), 0),
                func.sum(sql_case((CaseFile.collective, 1), else_=0)),
            ).where(*where)
        )
    ).one()
    mediated = (
        await session.execute(
            select(func.count())
            .select_from(TimelineEntry)
            .join(CaseFile, CaseFile.id == TimelineEntry.case_id)
            .where(
                *where,
                TimelineEntry.kind.in_(
                    [
                        "mediation.proceeding.agreed",
                        "mediation.proceeding.terminated",
                        "mediation.proceeding.expired",
                        "mediation.proceeding.declined",
                    ]
                ),
            )
        )
    ).scalar_one()
    agreed = (
        await session.execute(
            select(func.count())
            .select_from(TimelineEntry)
            .join(CaseFile, CaseFile.id == TimelineEntry.case_id)
            .where(*where, TimelineEntry.kind == "mediation.proceeding.agreed")
        )
    ).scalar_one()
    closed = (
        await session.execute(
            select(CaseFile.registered_at, CaseFile.closed_at).where(*where, CaseFile.closed_at.is_not(None))
        )
    ).all()
    durations = sorted((c - r).total_seconds() / 86400 for r, c in closed)
    median = None
    if durations:
        mid = len(durations) // 2
        median = round(durations[mid] if len(durations) % 2 else (durations[mid - 1] + durations[mid]) / 2, 1)
    overdue = (
        await session.execute(
            select(func.count()).where(
                *where,
                CaseFile.deadline_on.is_not(None),
                CaseFile.deadline_on < china_today(),
                CaseFile.status.in_(OPEN_STATUSES),
            )
        )
    ).scalar_one()
    return {
        "center_id": center_id,
        "since": since,
        "until": until,
        "cases": totals[0],
        "by_channel": await by(CaseFile.channel),
        "by_route": await by(CaseFile.route),
        "by_status": await by(CaseFile.status),
        "by_risk_grade": await by(CaseFile.risk_grade),
        "collective_cases": int(totals[3] or 0),
        "amount_claimed": Decimal(str(totals[1])).quantize(Decimal("0.01")),
        "amount_recovered": Decimal(str(totals[2])).quantize(Decimal("0.01")),
        "mediations_ended": mediated,
        "mediations_agreed": agreed,
        "success_rate": round(agreed / mediated, 4) if mediated else None,
        "median_days_to_close": median,
        "overdue": overdue,
    }
